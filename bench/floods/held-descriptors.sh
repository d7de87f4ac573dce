# Processes that hold many descriptors (issue 14), for the views' cost per descriptor: PROCESSES
# processes, each holding DESCRIPTORS descriptors, stdio included: 4 of its own namespaces, 3 of a
# user namespace and 3 of a net namespace that no process is a member of (so the views find them
# only through descriptors), 10 pipes, and /dev/null for the rest. DESCRIPTORS=3 is the same
# shape with stdio only, where the first process alone holds one descriptor of each of those two
# namespaces: both shapes show the same namespaces and differ only in descriptors. Sourced by the
# fixture's shell, after prelude.sh.
PROCESSES=${PROCESSES:-2000}
DESCRIPTORS=${DESCRIPTORS:-200}
started=$(date +%s%N)
unshare -U -r sleep infinity & HELD_USER=$!
# The net namespace's owner is a user namespace of its own: found only through the net namespace.
unshare -U -r -n sleep infinity & HELD_NET=$!
untilNamespaceOf $HELD_USER
untilNamespaceOf $HELD_NET
fact heldUserns "$(stat -L -c %i /proc/$HELD_USER/ns/user)"
fact heldNetns "$(stat -L -c %i /proc/$HELD_NET/ns/net)"
# One python3 forks them all: a shell a process, and an `exec N<&M` a descriptor in it, would take
# minutes for 400,000. Each child lays out its table with dup2 and becomes `sleep infinity`.
python3 -c '
import fcntl, os, resource, shutil, sys
processes, descriptors = int(sys.argv[1]), int(sys.argv[2])
# Above every number a child lays out (3 .. DESCRIPTORS-1, or 3 and 4 with stdio only).
base = max(descriptors, 5) + 8
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
# Stdio only, whatever else the bench was started with: each child holds exactly DESCRIPTORS.
os.closerange(3, soft)
if soft < base + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (base + 64, hard))
sleep = shutil.which("sleep")
# Sources live at or above base, close-on-exec: dup2 never overwrites one still needed (nor is a
# no-op that keeps close-on-exec), and exec leaves only the laid-out table.
def high(fd):
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, base)
    os.close(fd)
    return moved
held_user, held_net = high(os.open(sys.argv[3], os.O_RDONLY)), high(os.open(sys.argv[4], os.O_RDONLY))
null = high(os.open("/dev/null", os.O_RDONLY))
# Closed in every child by its exec: EOF here once every child is sleep, a byte from one that failed.
done_r, done_w = (high(fd) for fd in os.pipe())
def table(first):
    if descriptors == 3:
        return [held_user, held_net] if first else []
    own = [high(os.open("/proc/self/ns/" + t, os.O_RDONLY)) for t in ("user", "net", "mnt", "uts")]
    pipes = [high(fd) for _ in range(10) for fd in os.pipe()]
    sources = own + [held_user] * 3 + [held_net] * 3 + pipes
    return sources + [null] * (descriptors - 3 - len(sources))
for i in range(processes):
    if os.fork() == 0:
        try:
            os.close(done_r)
            for n, fd in enumerate(table(i == 0), start=3):
                os.dup2(fd, n)
            os.execv(sleep, [sleep, "infinity"])
        except BaseException:
            os.write(done_w, b"!")
        os._exit(1)
os.close(done_w)
failed = b""
while chunk := os.read(done_r, 4096):
    failed += chunk
if failed:
    sys.exit(f"{len(failed)} of {processes} holders failed to lay out their descriptors")
' "$PROCESSES" "$DESCRIPTORS" "/proc/$HELD_USER/ns/user" "/proc/$HELD_NET/ns/net"
kill $HELD_USER $HELD_NET
wait $HELD_USER $HELD_NET 2>/dev/null || true
fact builtMs $(( ($(date +%s%N) - started) / 1000000 ))
