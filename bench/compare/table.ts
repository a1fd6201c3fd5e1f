/**
 * Formats a side-by-side report as a Markdown table (it goes straight into
 * bench/RESULTS.md), with each target's throughput as a ratio of etcd's when
 * both ran the same scenario in the same run.
 */
import type { CompareReport, ScenarioRun } from './compare.ts';

export function formatCompareTable(report: CompareReport): string {
  const header = '| scenario | target | ops/s | vs etcd | p50 ms | p99 ms | p99.9 ms | max ms | errors | server CPU | generator CPU |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const rows = report.runs.map((run) => formatRow(run, etcdOpsPerSec(report, run.scenario)));
  const notes = report.unavailable.map(({ target, reason }) => `- ${target}: not measured: ${reason.replaceAll('\n', '\n  ')}`);
  return [header, rule, ...rows, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

function formatRow(run: ScenarioRun, etcdOps: number | null): string {
  const r = run.result;
  if (r === null) return `| ${run.scenario} | ${run.target} | failed: ${run.failure ?? '?'} | | | | | | | | |`;
  const ratio = etcdOps === null || run.target === 'etcd' ? '' : `${(r.opsPerSec / etcdOps).toFixed(2)}x`;
  const cpu = (percent: number | null): string => (percent === null ? '' : `${percent.toFixed(0)}%`);
  return (
    `| ${run.scenario} | ${run.target} | ${r.opsPerSec.toFixed(0)} | ${ratio} | ${r.latency.p50Ms.toFixed(2)} | ` +
    `${r.latency.p99Ms.toFixed(2)} | ${r.latency.p999Ms.toFixed(2)} | ${r.latency.maxMs.toFixed(2)} | ${r.errors} | ` +
    `${cpu(run.serverCpuPercentOfOneCore)} | ${cpu(r.generatorCpu.percentOfOneCore)} |`
  );
}

function etcdOpsPerSec(report: CompareReport, scenario: string): number | null {
  const etcd = report.runs.find((run) => run.target === 'etcd' && run.scenario === scenario);
  return etcd?.result?.opsPerSec ?? null;
}

/**
 * The run's headline, printed as its last line: Conclave's put-64 throughput
 * as a ratio of etcd's, e.g. `conclave/etcd put throughput ratio (1 member,
 * 64 clients): 0.84`. The plain `conclave` target is preferred; otherwise the
 * first `conclave@<placement>` one, named in the line. Null when either did
 * not run put-64.
 */
export function putRatioLine(report: CompareReport, members: number): string | null {
  const etcd = etcdOpsPerSec(report, 'put-64');
  const conclaveRuns = report.runs.filter((run) => run.scenario === 'put-64' && run.target !== 'etcd' && run.result !== null);
  const conclave = conclaveRuns.find((run) => run.target === 'conclave') ?? conclaveRuns[0];
  if (etcd === null || conclave?.result == null) return null;
  const topology = members === 1 ? '1 member' : `${members} members`;
  return `${conclave.target}/etcd put throughput ratio (${topology}, 64 clients): ${(conclave.result.opsPerSec / etcd).toFixed(2)}`;
}
