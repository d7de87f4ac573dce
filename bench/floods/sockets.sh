# A socket flood (the deadlines issue's): FLOODERS processes of nobody's each hold SOCKETS
# sockets (socketpairs, within the default hard limit of 20,000 descriptors), every one of which
# a run could ask for its network namespace. Sourced by the fixture's shell, after prelude.sh.
FLOODERS=${FLOODERS:-25}
SOCKETS=${SOCKETS:-19900}
i=0
while [ $i -lt "$FLOODERS" ]; do
  setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import resource, signal, socket, sys
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
held = [socket.socketpair() for _ in range(n // 2)]
open(sys.argv[2], "w").close()
signal.pause()' "$SOCKETS" "$DIR/sockets.$i" &
  echo "fact flooder$i $!" >> "$DIR/records"
  i=$((i + 1))
done
until [ "$(ls "$DIR" | grep -c '^sockets\.')" -ge "$FLOODERS" ]; do sleep 0.1; done
