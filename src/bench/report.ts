/**
 * Human-readable report of a benchmark result. Prints what was run (so a
 * figure always travels with its configuration and thread count), the
 * throughput, the latency percentiles, and the generator's own CPU use.
 */
import { formatLatencyLine } from './histogram.ts';
import type { BenchOptions } from './options.ts';
import type { BenchResult } from './result.ts';

export function formatBenchReport(result: BenchResult): string {
  const o = result.options;
  const lines = [
    `workload ${describeWorkload(o)} against ${o.endpoints.map((e) => `${e.host}:${e.port}`).join(', ')}`,
    `  ${o.clients} client${plural(o.clients)} over ${o.conns} connection${plural(o.conns)}, ` +
      `${result.loadThreads} load thread${plural(result.loadThreads)} (${o.workers === 0 ? 'the calling thread' : 'worker threads'}), ` +
      `${o.stop.kind === 'total' ? `${o.stop.ops} ops` : `${o.stop.ms} ms`}` +
      `${o.rateOpsPerSec > 0 ? `, rate limit ${o.rateOpsPerSec}/s` : ''}`,
    `  setup ${(result.setupMs / 1000).toFixed(3)} s (not measured)`,
    `  ops ${result.ops}, errors ${result.errors}, in ${(result.durationMs / 1000).toFixed(3)} s => ${result.opsPerSec.toFixed(1)} ops/s`,
    '  latency:',
    `    ${formatLatencyLine(o.workload, result.latency)}`,
  ];
  for (const [name, summary] of Object.entries(result.extraLatency)) lines.push(`    ${formatLatencyLine(name, summary)}`);
  const counters = Object.entries(result.counters);
  if (counters.length > 0) lines.push(`  counters: ${counters.map(([name, value]) => `${name}=${value}`).join(', ')}`);
  for (const [message, count] of Object.entries(result.errorSamples)) lines.push(`  error x${count}: ${message}`);
  if (result.aborted !== null) lines.push(`  ABORTED: ${result.aborted}`);
  const cpu = result.generatorCpu;
  lines.push(
    `  generator CPU: ${(cpu.userMs / 1000).toFixed(2)} s user + ${(cpu.systemMs / 1000).toFixed(2)} s system ` +
      `over ${(cpu.wallMs / 1000).toFixed(2)} s = ${cpu.percentOfOneCore.toFixed(0)}% of one core (whole process)`,
  );
  return lines.join('\n');
}

function describeWorkload(o: BenchOptions): string {
  const sizes = `${o.keySizeBytes}-byte keys, ${o.valSizeBytes}-byte values`;
  const keys = `key space ${o.keySpace}${o.seqKeys ? ' sequential' : ' random'}`;
  switch (o.workload) {
    case 'put':
    case 'txn-put':
      return `${o.workload} (${sizes}, ${keys})`;
    case 'range':
      return `range ${o.consistency} (${sizes}, ${keys})`;
    case 'mixed':
      return `mixed ${Math.round(o.readRatio * 100)}% ${o.consistency} reads (${sizes}, ${keys})`;
    case 'watch':
      return (
        `watch (${o.watchers} watchers on ${o.watchKeys} key${plural(o.watchKeys)}${o.workers > 1 ? ' per thread' : ''}, ` +
        `${o.watchStreams} streams, ${sizes})`
      );
    case 'lease':
      return `lease keepalive (TTL ${o.leaseTtlSeconds} s, one lease and stream per client)`;
  }
}

const plural = (n: number): string => (n === 1 ? '' : 's');
