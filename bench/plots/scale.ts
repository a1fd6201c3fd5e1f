/**
 * Axis scales for the charts: a linear scale from zero with "nice" ticks
 * (1, 2, 5 × 10^k steps) for throughput, and a base-10 log scale for latency,
 * where p50 and p99.9 often differ by two orders of magnitude. Pure math;
 * every input is checked so a chart never divides by zero.
 */

export interface Scale {
  /** Maps a value of the domain to a pixel position. */
  at(value: number): number;
  readonly ticks: readonly number[];
}

/** Most ticks an axis may carry (bounds the tick loops). */
const ticksMax = 20;

/** Step of about `max / targetTicks`, rounded up to 1, 2 or 5 × 10^k. */
export function niceStep(max: number, targetTicks: number): number {
  if (!(max > 0) || !Number.isFinite(max)) throw new Error(`scale: max must be a positive number, got ${max}`);
  if (!(targetTicks >= 1)) throw new Error(`scale: targetTicks must be >= 1, got ${targetTicks}`);
  const rough = max / targetTicks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  if (step === undefined) throw new Error('scale: no step found');
  return step;
}

/** 0 .. a nice value at or above `max`, mapped onto [pixelsFrom, pixelsTo]. */
export function linearScale(max: number, pixelsFrom: number, pixelsTo: number, targetTicks = 5): Scale {
  const domainMax = max > 0 ? max : 1;
  const step = niceStep(domainMax, targetTicks);
  const top = Math.ceil(domainMax / step) * step;
  const ticks: number[] = [];
  for (let i = 0; i <= ticksMax && i * step <= top + step / 1e9; i++) ticks.push(round12(i * step));
  return { at: (value) => pixelsFrom + (value / top) * (pixelsTo - pixelsFrom), ticks };
}

/**
 * From the power of ten at or below `min` to the first 1, 2 or 5 × 10^k at or
 * above `max` (so a 1.8 s tail does not stretch the axis to 10 s), with 2×
 * and 5× ticks when the range spans few decades, mapped onto
 * [pixelsFrom, pixelsTo].
 */
export function logScale(min: number, max: number, pixelsFrom: number, pixelsTo: number): Scale {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) throw new Error(`scale: log scale needs 0 < min <= max, got ${min}..${max}`);
  const lowExp = Math.floor(Math.log10(min));
  const maxPower = 10 ** Math.floor(Math.log10(max));
  const top = round12([1, 2, 5, 10].map((m) => m * maxPower).find((candidate) => candidate > 10 ** lowExp && candidate >= max) ?? 10 * maxPower);
  const span = Math.log10(top) - lowExp;
  const multiples = span <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let exp = lowExp; ticks.length < ticksMax && 10 ** exp <= top; exp++) {
    for (const m of multiples) {
      const tick = round12(m * 10 ** exp);
      if (tick <= top) ticks.push(tick);
    }
  }
  return { at: (value) => pixelsFrom + ((Math.log10(value) - lowExp) / span) * (pixelsTo - pixelsFrom), ticks };
}

/** Short tick label: 1500 → "1.5k", 0.2 → "0.2", 20000 → "20k". */
export function tickLabel(value: number): string {
  if (value >= 1_000_000) return `${round12(value / 1_000_000)}M`;
  if (value >= 1_000) return `${round12(value / 1_000)}k`;
  return String(round12(value));
}

const round12 = (value: number): number => Number(value.toPrecision(12));
