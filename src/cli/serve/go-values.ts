/**
 * Value syntax of Go's `flag` package, which etcd's flags use: scripts
 * written for etcd pass values in this syntax, so Conclave reads it the
 * same way (durations like `1h30m`, booleans like `t`/`FALSE`).
 */

const durationUnitMs: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

/** Parses a Go duration ("300ms", "-1.5h", "2h45m", "0") into milliseconds, or null. */
export function parseGoDurationMs(text: string): number | null {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const match = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!match) return null;
  const sign = match[1] === '-' ? -1 : 1;
  let totalMs = 0;
  for (const part of text.slice(match[1]!.length).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    totalMs += Number(part[1]) * durationUnitMs[part[2]!]!;
  }
  return sign * totalMs;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | null {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return null;
}

/** Unsigned and signed decimal integers as Go's flag package accepts them (within JS's safe range). */
export function parseGoInteger(text: string, unsigned: boolean): number | null {
  const pattern = unsigned ? /^\+?\d+$/ : /^[+-]?\d+$/;
  if (!pattern.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
