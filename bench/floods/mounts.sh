# A mount flood (the hardening issue's): STACKED bind mounts of one user namespace's file on
# one mount point, in a private mount namespace, and COPIES-1 more copies of that mount
# namespace (unshare -m copies every mount), each with a process in it. Sourced by the
# fixture's shell, after prelude.sh.
STACKED=${STACKED:-40000}
COPIES=${COPIES:-3}
unshare -U -r sleep infinity & P=$!
untilNamespaceOf $P
fact heldUserns "$(stat -L -c %i /proc/$P/ns/user)"
touch "$DIR/stacked"
# mount(8) once a mount would take minutes for 40,000: one process making the calls.
unshare -m sh -c '
  python3 -c "
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
MS_BIND = 4096
for _ in range(int(sys.argv[3])):
    if libc.mount(sys.argv[1].encode(), sys.argv[2].encode(), None, MS_BIND, None) != 0:
        raise OSError(ctypes.get_errno(), \"mount\")
" "/proc/$1/ns/user" "$2/stacked" "$3" || exit 1
  copy=1
  while [ $copy -lt "$4" ]; do
    unshare -m sh -c "touch \"$2/copy.\$\$\"; exec sleep infinity" &
    copy=$((copy + 1))
  done
  touch "$2/mounted"
  exec sleep infinity
' stacker "$P" "$DIR" "$STACKED" "$COPIES" &
until [ -e "$DIR/mounted" ] && [ "$(ls "$DIR" | grep -c '^copy\.')" -ge $((COPIES - 1)) ]; do sleep 0.1; done
kill $P
wait $P 2>/dev/null || true
