// `npm run stress`: 500 runs of the tool while processes and user namespaces come and go.
import { runUnderChurn } from '../test/support/churn.js';

const runs = Number(process.argv[2] ?? 500);
const outcome = runUnderChurn(runs);
for (const failure of outcome.failures) console.log(`FAIL ${failure}`);
console.log(`runs: ${outcome.runs}  failures: ${outcome.failures.length}  worst run: ${outcome.worstSeconds.toFixed(3)} s`);
process.exitCode = outcome.failures.length === 0 ? 0 : 1;
