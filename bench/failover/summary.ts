/**
 * Min / median / max of each target's failover times, the ratio of the
 * medians (Conclave over etcd, lower is better), and the Markdown tables
 * that go into bench/RESULTS.md.
 */
import type { RoundResult } from './round.ts';

export interface TargetFailover {
  target: string;
  rounds: RoundResult[];
  /** Why the target stopped before all its rounds (or could not start), else null. */
  failure: string | null;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0 };
}

export function formatRoundsTable(results: readonly TargetFailover[]): string {
  const lines = ['| target | round | killed leader | new leader | kill → next acked put, ms | failed puts | load average before the kill |', '|---|---:|---|---|---:|---:|---|'];
  for (const { target, rounds } of results) {
    for (const r of rounds) lines.push(`| ${target} | ${r.round} | ${r.killedLeader} | ${r.newLeader} | ${r.failoverMs.toFixed(1)} | ${r.failedPuts} | ${r.loadAverage} |`);
  }
  return lines.join('\n');
}

export function formatSummaryTable(results: readonly TargetFailover[]): string {
  const lines = ['| target | rounds | min ms | median ms | max ms | vs etcd (median) |', '|---|---:|---:|---:|---:|---:|'];
  const etcd = results.find((result) => result.target === 'etcd' && result.rounds.length > 0);
  const etcdMedian = etcd === undefined ? null : spread(etcd.rounds.map((r) => r.failoverMs)).median;
  for (const result of results) {
    if (result.rounds.length === 0) {
      lines.push(`| ${result.target} | 0 | | | | |`);
      continue;
    }
    const s = spread(result.rounds.map((r) => r.failoverMs));
    const ratio = etcdMedian === null || result.target === 'etcd' ? '' : `${(s.median / etcdMedian).toFixed(2)}x`;
    lines.push(`| ${result.target} | ${result.rounds.length} | ${s.min.toFixed(1)} | ${s.median.toFixed(1)} | ${s.max.toFixed(1)} | ${ratio} |`);
  }
  const notes = results.flatMap((result) => [
    ...(result.failure === null ? [] : [`- ${result.target}: ${result.failure.replaceAll('\n', '\n  ')}`]),
    ...[...new Set(result.rounds.flatMap((r) => (r.lastPutError === null ? [] : [r.lastPutError])))].map((error) => `- ${result.target}: a put failed with: ${error}`),
  ]);
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
