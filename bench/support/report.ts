/** Printing of benchmark figures: one line per figure, its comparison beside it. */

const LABEL_WIDTH = 50;
const VALUE_WIDTH = 16;

/** A benchmark's title line. */
export function heading(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** One figure: `label  value  comparison`. */
export function figure(label: string, value: string, comparison = ''): void {
  process.stdout.write(
    `  ${label.padEnd(LABEL_WIDTH)} ${value.padStart(VALUE_WIDTH)}   ${comparison}`.trimEnd() +
      '\n',
  );
}

/** A free-form line under the figures (context, plans). */
export function note(text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`    ${line}\n`);
}

/** `12,345`. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `1.23 s` above a second, else `123.4 ms`. */
export function duration(ms: number): string {
  return ms >= 1_000 ? `${(ms / 1_000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** `12.3 KB`. */
export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** `123 MB`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** `OK` when every value equals `expected`, else `MISMATCH (expected …)`. */
export function check(actual: number | number[], expected: number): string {
  return [actual].flat().every((value) => value === expected)
    ? 'OK'
    : `MISMATCH (expected ${count(expected)})`;
}

/** `3.2×`. */
export function ratio(value: number): string {
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×`;
}

/** `2.10× faster` or `1.50× slower`, from a time and the time it is compared with. */
export function speedup(ms: number, baselineMs: number): string {
  return ms <= baselineMs ? `${ratio(baselineMs / ms)} faster` : `${ratio(ms / baselineMs)} slower`;
}
