import 'reflect-metadata';
import { cpus } from 'node:os';
import { apiClientOverheadBenchmark } from './api-client-overhead.js';
import { getAccessTokenBenchmark } from './get-access-token.js';
import { multiProcessSweepBenchmark } from './multi-process-sweep.js';
import { refreshPolicyBenchmark } from './refresh-policy.js';
import { refreshSweepBenchmark } from './refresh-sweep.js';
import { schedulerTickCostBenchmark } from './scheduler-tick-cost.js';

/** Every benchmark by the name `npm run bench -- <name>` selects; all of them, in this order, by default. */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  'get-access-token': getAccessTokenBenchmark,
  sweep: refreshSweepBenchmark,
  'multi-process-sweep': multiProcessSweepBenchmark,
  'tick-cost': schedulerTickCostBenchmark,
  'api-client': apiClientOverheadBenchmark,
  'refresh-policy': refreshPolicyBenchmark,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHMARKS).join(', ')}\n`,
  );
  process.exit(2);
}

process.stdout.write(
  `nestjs-atlassian benchmarks: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}\n`,
);
for (const name of requested.length > 0 ? requested : Object.keys(BENCHMARKS)) {
  const startedAt = performance.now();
  try {
    await BENCHMARKS[name]();
    process.stdout.write(
      `  (${name}: ${((performance.now() - startedAt) / 1000).toFixed(1)} s in all)\n`,
    );
  } catch (err) {
    process.stdout.write(`  ${name} FAILED: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}
