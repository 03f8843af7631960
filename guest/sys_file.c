/*
 * Path syscalls without a dirfd: rewritten to their *at forms, which the
 * monitor serves (monitor/hsys_path.c).
 */
#include <asm/unistd.h>

#include "libos.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define O_CREAT 0100
#define O_WRONLY 01
#define O_TRUNC 01000

#define HOST(nr, ...) hc_syscall(nr, __VA_ARGS__)

SYSDEF(open) { return HOST(__NR_openat, AT_FDCWD, a0, a1, a2, 0, 0); }
SYSDEF(creat) { return HOST(__NR_openat, AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, a1, 0, 0); }
SYSDEF(stat) { return HOST(__NR_newfstatat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(lstat) { return HOST(__NR_newfstatat, AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW, 0, 0); }
SYSDEF(access) { return HOST(__NR_faccessat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(readlink) { return HOST(__NR_readlinkat, AT_FDCWD, a0, a1, a2, 0, 0); }
SYSDEF(mkdir) { return HOST(__NR_mkdirat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(rmdir) { return HOST(__NR_unlinkat, AT_FDCWD, a0, AT_REMOVEDIR, 0, 0, 0); }
SYSDEF(unlink) { return HOST(__NR_unlinkat, AT_FDCWD, a0, 0, 0, 0, 0); }
SYSDEF(rename) { return HOST(__NR_renameat, AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }
SYSDEF(symlink) { return HOST(__NR_symlinkat, a0, AT_FDCWD, a1, 0, 0, 0); }
SYSDEF(chmod) { return HOST(__NR_fchmodat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(pipe) { return HOST(__NR_pipe2, a0, 0, 0, 0, 0, 0); }
SYSDEF(link) { return HOST(__NR_linkat, AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }
