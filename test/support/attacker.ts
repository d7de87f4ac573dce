// A hostile unprivileged user inside a fixture: a script of test/fixtures run as nobody, in a
// user and mount namespace of its own (unshare -U -r -m), as an unprivileged user can make them.
// The script is copied into $DIR, which nobody can read, and the setup waits until it says it
// is ready; it then stays in the fixture (exec sleep infinity) while root's runs look at it.
import { fixtureScript } from './fixture.js';

export const NOBODY = 65534;

/**
 * Setup lines that give the fixture a FUSE device of its own that nobody may open, over
 * /dev/fuse in the fixture's mount namespace alone: on a machine without udev the system's is
 * crw------- (udev makes it crw-rw-rw-), and the machine is not changed. The node lives on a
 * tmpfs of the fixture's, which may hold devices.
 */
export const fuseDevice = (): string =>
  ['mkdir "$DIR/dev"', 'mount -t tmpfs -o mode=755 fixture-dev "$DIR/dev"', 'mknod -m 666 "$DIR/dev/fuse" c 10 229', 'mount --bind "$DIR/dev/fuse" /dev/fuse'].join('\n');

/** Setup lines that build the C sources of test/fixtures, one after another as one source, as "$DIR/`program`". */
export const built = (sources: readonly string[], program: string, flags = ''): string =>
  [
    `cat > "$DIR/${program}.c" <<'END_OF_SOURCE'`,
    ...sources.map((source) => fixtureScript(source).replace(/\n$/, '')),
    'END_OF_SOURCE',
    `cc -O1 ${flags} -o "$DIR/${program}" "$DIR/${program}.c"`,
  ].join('\n');

const AS_NOBODY = `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups`;

/**
 * Setup lines that start test/fixtures/`script` as nobody and wait until it has touched
 * "$DIR/`script`.ready". The script sees $DIR, and reports with `fact NAME VALUE` lines appended
 * to "$DIR/records" (world-writable). Its PID is reported as the fact `pidFact`. Where
 * ownMountNamespace is false it stays in the fixture's user and mount namespace.
 */
export function asAttacker(script: string, { ownMountNamespace = true, pidFact = 'attacker' } = {}): string {
  const marker = `"$DIR/${script}.ready"`;
  const namespaces = ownMountNamespace ? 'unshare -U -r -m ' : '';
  return [
    `cat > "$DIR/${script}" <<'END_OF_ATTACK'`,
    fixtureScript(script).replace(/\n$/, ''),
    'END_OF_ATTACK',
    `DIR="$DIR" ${AS_NOBODY} ${namespaces}sh "$DIR/${script}" & ATTACKER=$!`,
    `fact ${pidFact} $ATTACKER`,
    `until [ -e ${marker} ]; do`,
    `  kill -0 $ATTACKER 2>/dev/null || { echo "fixture: ${script} failed" >&2; exit 1; }`,
    '  sleep 0.02',
    'done',
  ].join('\n');
}
