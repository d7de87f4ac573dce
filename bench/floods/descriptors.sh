# A descriptor flood (the hardening issue's): FLOODERS processes each hold COPIES duplicates of
# one user namespace's descriptor, and that namespace has no member left, so only the
# descriptors keep it alive. Sourced by the fixture's shell, after prelude.sh.
FLOODERS=${FLOODERS:-250}
COPIES=${COPIES:-20000}
unshare -U -r sleep infinity & P=$!
untilNamespaceOf $P
fact heldUserns "$(stat -L -c %i /proc/$P/ns/user)"
i=0
while [ $i -lt "$FLOODERS" ]; do
  bash -c 'ulimit -n $(($2 + 100)); exec 3< "/proc/$1/ns/user"; n=10; while [ $n -lt $(($2 + 10)) ]; do eval "exec $n<&3"; n=$((n + 1)); done; exec 3<&-; touch "$DIR/flooder.$$"; exec sleep infinity' flooder "$P" "$COPIES" &
  i=$((i + 1))
done
until [ "$(ls "$DIR" | grep -c '^flooder\.')" -ge "$FLOODERS" ]; do sleep 0.1; done
kill $P
wait $P 2>/dev/null || true
