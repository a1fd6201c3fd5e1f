/**
 * The side-by-side runner: for each target, start a fresh server, run every
 * scenario against it with the load generator in this process, record the
 * generator's and the server's CPU use beside the figures, stop the server.
 * A target that cannot run is reported with its reason and skipped; the run
 * still measures the others. Servers are stopped even when a scenario fails.
 */
import { defaultOptions, runBench } from '../../src/bench/index.ts';
import type { BenchOptions, BenchResult } from '../../src/bench/index.ts';
import type { CompareOptions } from './options.ts';
import type { Scenario } from './scenarios.ts';
import { makeTarget } from './targets.ts';
import type { TargetName } from './targets.ts';

export interface ScenarioRun {
  target: TargetName;
  scenario: string;
  result: BenchResult | null;
  /** Why there is no result (the run failed). */
  failure: string | null;
  /** Server CPU over the scenario as % of one core (user + system over the generator's wall time). */
  serverCpuPercentOfOneCore: number | null;
}

export interface CompareReport {
  runs: ScenarioRun[];
  unavailable: { target: TargetName; reason: string }[];
}

export interface CompareHooks {
  log(line: string): void;
}

export async function runCompare(options: CompareOptions, hooks: CompareHooks): Promise<CompareReport> {
  const report: CompareReport = { runs: [], unavailable: [] };
  for (const name of options.targets) {
    const target = makeTarget(name, { etcdBinary: options.etcdBinary });
    const reason = target.unavailableReason();
    if (reason !== null) {
      report.unavailable.push({ target: name, reason });
      hooks.log(`${name}: not available: ${reason}`);
      continue;
    }
    let server;
    try {
      server = await target.start();
    } catch (error) {
      const message = (error as Error).message;
      report.unavailable.push({ target: name, reason: message });
      hooks.log(`${name}: could not start: ${message}`);
      continue;
    }
    hooks.log(`${name}: serving on ${server.host}:${server.clientPort} (pid ${server.pid})`);
    try {
      for (const scenario of options.scenarios) {
        const benchOptions = scenarioOptions(scenario, options, { host: server.host, port: server.clientPort });
        const serverCpuBeforeMs = server.cpuTimeMs();
        try {
          const result = await runBench(benchOptions);
          const serverCpuMs = server.cpuTimeMs() - serverCpuBeforeMs;
          const serverCpuPercentOfOneCore = Math.round((serverCpuMs / result.generatorCpu.wallMs) * 1000) / 10;
          report.runs.push({ target: name, scenario: scenario.name, result, failure: null, serverCpuPercentOfOneCore });
          hooks.log(`${name} ${scenario.name}: ${result.opsPerSec.toFixed(0)} ops/s, p99 ${result.latency.p99Ms} ms, errors ${result.errors}`);
        } catch (error) {
          report.runs.push({ target: name, scenario: scenario.name, result: null, failure: (error as Error).message, serverCpuPercentOfOneCore: null });
          hooks.log(`${name} ${scenario.name}: failed: ${(error as Error).message}`);
        }
      }
    } finally {
      await server.stop();
    }
  }
  return report;
}

export function scenarioOptions(scenario: Scenario, options: CompareOptions, endpoint: { host: string; port: number }): BenchOptions {
  const merged: BenchOptions = {
    ...defaultOptions,
    keySizeBytes: 8,
    valSizeBytes: 256,
    ...scenario.overrides,
    endpoints: [endpoint],
    stop: options.stop,
    workers: options.workers,
    json: false,
  };
  // Each worker thread needs its own connection.
  merged.conns = Math.max(merged.conns, merged.workers);
  return merged;
}
