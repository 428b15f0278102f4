import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and the
 * self time by where the code lives (this library, TypeORM, the pg driver, Nest, Node's own, GC…).
 * Usage: `node dist/bench/profile-summary.js <file.cpuprofile> [top]`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, from its script's URL (or V8's pseudo-functions). */
function areaOf({ functionName, url }: ProfileNode['callFrame']): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)' || functionName === '(program)') return functionName;
  if (url.includes('/node_modules/typeorm/')) return 'typeorm';
  if (url.match(/\/node_modules\/(pg|pg-[a-z-]+|pgpass|postgres-[a-z-]+)\//)) return 'pg driver';
  if (url.includes('/node_modules/@nestjs/')) return 'nest';
  if (url.includes('/node_modules/')) return 'other packages';
  if (url.includes('/dist/src/')) return 'library';
  if (url.includes('/dist/')) return 'test harness';
  if (url.startsWith('node:'))
    return url.startsWith('node:internal/crypto') ? 'node crypto' : 'node';
  return url === '' ? 'native' : 'other';
}

const [file, top = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + profile.timeDeltas[i]));

const byFunction = new Map<string, { us: number; area: string }>();
const byArea = new Map<string, number>();
let busyUs = 0;
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id)!;
  const area = areaOf(callFrame);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  if (area === '(idle)') continue;
  busyUs += us;
  const where = callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
  const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
  const entry = byFunction.get(key) ?? { us: 0, area };
  entry.us += us;
  byFunction.set(key, entry);
}

const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const share = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
process.stdout.write(`busy (not idle): ${ms(busyUs)}\nself time by area:\n`);
for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1]))
  if (area !== '(idle)') process.stdout.write(`  ${ms(us)} ${share(us)}  ${area}\n`);
process.stdout.write(`top ${top} functions by self time:\n`);
for (const [key, { us, area }] of [...byFunction].sort((a, b) => b[1].us - a[1].us).slice(0, +top))
  process.stdout.write(`  ${ms(us)} ${share(us)}  [${area}] ${key}\n`);
