// Starts the tool with its standard output set O_NONBLOCK, as a shared pipe may leave it, so
// that a write to a full pipe fails with EAGAIN instead of waiting: `node nonblocking-stdout.js ARGS`.
import { main } from '../../src/cli.js';

// Koffi's prebuilt native module, as the koffi backend loads it (src/kernel/libc.ts).
const koffi = require(`@koromix/koffi-linux-${process.arch}`);
const fcntl = koffi.load(null).func('int fcntl(int fd, int cmd, int arg)');
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
if (fcntl(1, F_SETFL, fcntl(1, F_GETFL, 0) | O_NONBLOCK) !== 0) throw new Error('fcntl failed');
main(['node', 'userns-overview', ...process.argv.slice(2)]);
