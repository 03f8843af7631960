# python3: os.fork and a pipe, subprocess, and C extension modules
# loaded with dlopen (json's _json, hashlib's _hashlib, math, _struct).
import os, subprocess, sys, json, hashlib, math, struct, zlib
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
print("to stderr", file=sys.stderr)
sys.exit(2)
