/* Memory shared between processes (each its own VM under uniproc): shared
   anonymous mappings across fork, process-shared mutexes and condition
   variables, files mapped MAP_SHARED, POSIX shm, memfd seals, SysV shm,
   semaphores and message queues, POSIX message queues, named semaphores. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KIDS 4

static void wait_all(void)
{
	int st;
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			printf("child failed: status 0x%x\n", st);
}

/* Each of KIDS children adds n to *c with atomics. */
static void atomics(volatile long *c, int n)
{
	for (int k = 0; k < KIDS; k++)
		if (fork() == 0) {
			for (int i = 0; i < n; i++)
				__atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST);
			_exit(0);
		}
	wait_all();
}

struct locked {
	pthread_mutex_t m;
	pthread_cond_t cv;
	long count;
	int flag;
};

static void *shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap shared");
		exit(1);
	}
	return p;
}

static void case_anon(void)
{
	volatile long *c = shared(4096);
	atomics(c, 20000);
	printf("anon atomics: %ld\n", *c);
	int z = open("/dev/zero", O_RDWR);
	volatile long *d = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	close(z);
	atomics(d + 512, 5000);
	printf("/dev/zero atomics: %ld\n", d[512]);
	/* A running child sees a later write by its parent, and the reverse. */
	int go[2], back[2];
	pipe(go);
	pipe(back);
	volatile int *v = shared(4096);
	if (fork() == 0) {
		char b;
		read(go[0], &b, 1);
		printf("child saw %d\n", *v);
		fflush(stdout);
		*v = 43;
		write(back[1], "x", 1);
		_exit(0);
	}
	*v = 42;
	write(go[1], "x", 1);
	char b;
	read(back[0], &b, 1);
	printf("parent saw %d\n", *v);
	wait_all();
	/* munmap of part, then the rest still shared; MADV_DONTNEED keeps it. */
	char *s = shared(3 * 4096);
	munmap(s, 4096);
	if (fork() == 0) {
		strcpy(s + 4096, "after munmap");
		_exit(0);
	}
	wait_all();
	madvise(s + 4096, 4096, MADV_DONTNEED);
	printf("shared after munmap and DONTNEED: %s\n", s + 4096);
	char *r = mremap(s + 4096, 2 * 4096, 4 * 4096, MREMAP_MAYMOVE);
	printf("mremap keeps it: %s\n", r == MAP_FAILED ? "failed" : r);
}

static void case_mutex(void)
{
	struct locked *l = shared(4096);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&l->m, &ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&l->cv, &ca);
	for (int k = 0; k < KIDS; k++)
		if (fork() == 0) {
			for (int i = 0; i < 3000; i++) {
				pthread_mutex_lock(&l->m);
				long x = l->count;
				if (i % 100 == 0)
					sched_yield();
				l->count = x + 1;
				pthread_mutex_unlock(&l->m);
			}
			_exit(0);
		}
	wait_all();
	printf("mutex count: %ld\n", l->count);
	/* A condition variable: the child waits until the parent sets flag. */
	if (fork() == 0) {
		pthread_mutex_lock(&l->m);
		while (!l->flag)
			pthread_cond_wait(&l->cv, &l->m);
		pthread_mutex_unlock(&l->m);
		printf("child woken, flag %d\n", l->flag);
		_exit(0);
	}
	usleep(20000); /* whether the child waits already or not, the result is the same */
	pthread_mutex_lock(&l->m);
	l->flag = 7;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->m);
	wait_all();
}

static void case_file(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/shared-file", dir);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ftruncate(fd, 8192);
	if (fork() == 0) {
		char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		memcpy(m + 100, "written through a mapping", 25);
		msync(m, 8192, MS_SYNC);
		_exit(0);
	}
	wait_all();
	char buf[32] = "";
	pread(fd, buf, 25, 100);
	printf("read() sees: %s\n", buf);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int go[2];
	pipe(go);
	if (fork() == 0) {
		char b;
		read(go[0], &b, 1);
		printf("mapping sees: %.24s\n", m + 5000);
		_exit(0);
	}
	pwrite(fd, "written with pwrite() too", 24, 5000);
	write(go[1], "x", 1);
	wait_all();
	int ro = open(path, O_RDONLY);
	void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	printf("writable shared map of a read-only fd: %s\n", w == MAP_FAILED ? strerror(errno) : "mapped");
	char *rm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	printf("then mprotect it writable: %s\n", mprotect(rm, 4096, PROT_READ | PROT_WRITE) ? strerror(errno) : "ok");
	unlink(path);
}

static void case_posix(void)
{
	char name[64];
	snprintf(name, sizeof name, "/uniproc-test-%d", (int)getpid());
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0) {
		perror("shm_open");
		return;
	}
	ftruncate(fd, 4096);
	if (fork() == 0) {
		int f = shm_open(name, O_RDWR, 0);
		char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
		strcpy(m, "by name");
		_exit(0);
	}
	wait_all();
	char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	printf("shm_open: %s\n", m);
	shm_unlink(name);
	printf("after unlink: %s\n", shm_open(name, O_RDWR, 0) < 0 ? strerror(errno) : "still there");

	snprintf(name, sizeof name, "/uniproc-sem-%d", (int)getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	if (fork() == 0) {
		sem_t *t = sem_open(name, 0);
		sem_wait(t);
		printf("named semaphore passed\n");
		_exit(0);
	}
	sem_post(s);
	wait_all();
	sem_unlink(name);

	snprintf(name, sizeof name, "/uniproc-mq-%d", (int)getpid());
	struct mq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &at);
	if (q == (mqd_t)-1) {
		perror("mq_open");
		return;
	}
	if (fork() == 0) {
		mqd_t c = mq_open(name, O_WRONLY);
		mq_send(c, "low", 4, 1);
		mq_send(c, "high", 5, 9);
		_exit(0);
	}
	wait_all();
	char buf[64];
	unsigned prio;
	mq_receive(q, buf, sizeof buf, &prio);
	printf("mq first: %s (%u)\n", buf, prio);
	mq_receive(q, buf, sizeof buf, &prio);
	printf("mq then: %s (%u)\n", buf, prio);
	mq_unlink(name);
}

static void case_memfd(void)
{
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	write(fd, "sealed contents", 15);
	printf("seals: %d\n", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW));
	printf("get seals: 0x%x\n", fcntl(fd, F_GET_SEALS));
	printf("write after seal: %s\n", write(fd, "x", 1) < 0 ? strerror(errno) : "ok");
	printf("shrink after seal: %s\n", ftruncate(fd, 1) < 0 ? strerror(errno) : "ok");
	char buf[16] = "";
	pread(fd, buf, 15, 0);
	printf("contents: %s\n", buf);
	void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("writable map after seal: %s\n", w == MAP_FAILED ? strerror(errno) : "mapped");
}

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static void case_sysv(void)
{
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	char *m = shmat(id, NULL, 0);
	if (m == (void *)-1) {
		perror("shmat");
		return;
	}
	if (fork() == 0) {
		strcpy(m + 9000, "sysv shm");
		shmdt(m);
		_exit(0);
	}
	wait_all();
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	printf("shm: %s, size %zu, attached %lu\n", m + 9000, (size_t)ds.shm_segsz,
	       (unsigned long)ds.shm_nattch);
	printf("shmdt: %d, again: %d\n", shmdt(m), shmdt(m));
	shmctl(id, IPC_RMID, NULL);

	int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	union semun arg = {.val = 0};
	semctl(sem, 0, SETVAL, arg);
	if (fork() == 0) {
		struct sembuf down = {0, -1, 0};
		semop(sem, &down, 1);
		struct sembuf up1 = {1, 5, 0};
		semop(sem, &up1, 1);
		_exit(0);
	}
	struct sembuf up = {0, 1, 0};
	semop(sem, &up, 1);
	wait_all();
	unsigned short vals[2];
	arg.array = vals;
	semctl(sem, 0, GETALL, arg);
	printf("sem values: %u %u\n", vals[0], vals[1]);
	semctl(sem, 0, IPC_RMID);

	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct {
		long type;
		char text[32];
	} msg;
	if (fork() == 0) {
		msg.type = 2;
		strcpy(msg.text, "type two");
		msgsnd(q, &msg, sizeof msg.text, 0);
		msg.type = 1;
		strcpy(msg.text, "type one");
		msgsnd(q, &msg, sizeof msg.text, 0);
		_exit(0);
	}
	wait_all();
	msgrcv(q, &msg, sizeof msg.text, 1, 0);
	printf("msg: %s\n", msg.text);
	msgrcv(q, &msg, sizeof msg.text, 0, 0);
	printf("msg: %s\n", msg.text);
	printf("empty: %s\n", msgrcv(q, &msg, sizeof msg.text, 0, IPC_NOWAIT) < 0 ? strerror(errno) : "no");
	msgctl(q, IPC_RMID, NULL);
}

/* A segment attached read-only over pages that were writable (issue 15,
   found by tests/prog/sysfuzz.c): the monitor tried to make its host
   mapping writable again, and exited. */
static void case_sysv_rdonly(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *m = shmat(id, NULL, 0);
	char *area = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == (void *)-1 || area == MAP_FAILED) {
		perror("setup");
		return;
	}
	strcpy(m, "written before");
	area[0] = area[4096] = 1;
	mprotect(area + 2 * 4096, 4096, PROT_READ); /* 4 KiB pages from here on */
	char *ro = shmat(id, area + 4096, SHM_RDONLY | SHM_REMAP);
	printf("shmat read-only over a writable page: %s\n", ro == area + 4096 ? "ok" : strerror(errno));
	if (ro == area + 4096) {
		printf("reads: %s\n", ro);
		printf("mprotect writable: %s\n", mprotect(ro, 4096, PROT_READ | PROT_WRITE) ? strerror(errno) : "ok");
		area[0] = 2; /* the neighbours stay writable */
		printf("neighbour: %d, shmdt: %d\n", area[0], shmdt(ro));
	}
	shmdt(m);
	shmctl(id, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "anon"))
		case_anon();
	else if (!strcmp(c, "mutex"))
		case_mutex();
	else if (!strcmp(c, "file"))
		case_file(argc > 2 ? argv[2] : "/tmp");
	else if (!strcmp(c, "posix"))
		case_posix();
	else if (!strcmp(c, "memfd"))
		case_memfd();
	else if (!strcmp(c, "sysv"))
		case_sysv();
	else if (!strcmp(c, "sysv-rdonly"))
		case_sysv_rdonly();
	else {
		fprintf(stderr, "usage: shm anon|mutex|file DIR|posix|memfd|sysv|sysv-rdonly\n");
		return 2;
	}
	return 0;
}
