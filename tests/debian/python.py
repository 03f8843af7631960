# python3: os.fork and a pipe, subprocess, and C extension modules loaded
# with dlopen (_json, _hashlib, _decimal, _sqlite3 with libsqlite3, _ctypes
# with libffi calling libc).
import os, subprocess, sys, json, hashlib, math, struct, zlib
import decimal, sqlite3, ctypes, ctypes.util  # lib-dynload modules and their libraries
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r); os.write(w, b"from child\n"); os._exit(3)
os.close(w)
data = os.read(r, 100)
_, st = os.waitpid(pid, 0)
print(data.decode().strip(), os.WEXITSTATUS(st))
out = subprocess.run(["sh", "-c", "echo sub; echo err >&2; exit 4"], capture_output=True, text=True)
print(repr(out.stdout), repr(out.stderr), out.returncode)
print(subprocess.check_output("seq 3 | sort -r", shell=True).decode().split())
print(json.dumps({"a": [1, 2]}), hashlib.sha256(b"x").hexdigest()[:16])
print(math.factorial(20), struct.pack("<I", 258).hex(), zlib.crc32(b"uniproc"))
print(sorted(os.listdir(".")) == sorted(os.listdir(".")), os.getpid() == os.getpid())
print(decimal.Decimal(1) / decimal.Decimal(7))
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(100)])
print(db.execute("select sum(x), count(*) from t").fetchone())
print(ctypes.CDLL(ctypes.util.find_library("c")).strlen(b"uniproc"))
print("to stderr", file=sys.stderr)
sys.exit(2)
