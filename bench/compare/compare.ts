/**
 * The side-by-side runner: start a fresh server (or a fresh 3-member
 * cluster) for every target, run each scenario against every target in turn
 * with the load generator in this process, record the generator's and the
 * servers' CPU use beside the figures, stop them all. A target that cannot run is reported with its reason and
 * skipped; the run still measures the others. Servers are stopped even when a
 * scenario fails.
 */
import { defaultOptions, runBench } from '../../src/bench/index.ts';
import type { BenchOptions, BenchResult, Endpoint } from '../../src/bench/index.ts';
import { startDeployment, type Deployment } from './deployment.ts';
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
  /** CPU of the server (all members together) over the scenario as % of one core (user + system over the generator's wall time). */
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
  const running: { readonly name: TargetName; readonly server: Deployment }[] = [];
  try {
    for (const name of options.targets) {
      const server = await startTarget(name, options, report, hooks);
      if (server !== null) running.push({ name, server });
    }
    // Every server is up for the whole run and the targets take turns scenario by scenario, so a
    // drift of the machine's load during the run lands on all of them alike.
    for (const scenario of options.scenarios) {
      for (const { name, server } of running) report.runs.push(await runScenario(name, server, scenario, options, hooks));
    }
  } finally {
    await Promise.all(running.map(({ server }) => server.stop()));
  }
  return report;
}

async function startTarget(name: TargetName, options: CompareOptions, report: CompareReport, hooks: CompareHooks): Promise<Deployment | null> {
  const target = makeTarget(name, { etcdBinary: options.etcdBinary });
  const reason = target.unavailableReason();
  if (reason !== null) {
    report.unavailable.push({ target: name, reason });
    hooks.log(`${name}: not available: ${reason}`);
    return null;
  }
  try {
    const server = await startDeployment(target, options.members, { etcdBinary: options.etcdBinary });
    hooks.log(`${name}: serving on ${server.description}`);
    return server;
  } catch (error) {
    const message = (error as Error).message;
    report.unavailable.push({ target: name, reason: message });
    hooks.log(`${name}: could not start: ${message}`);
    return null;
  }
}

async function runScenario(name: TargetName, server: Deployment, scenario: Scenario, options: CompareOptions, hooks: CompareHooks): Promise<ScenarioRun> {
  const serverCpuBeforeMs = server.cpuTimeMs();
  try {
    const result = await runBench(scenarioOptions(scenario, options, server.endpoints));
    const serverCpuMs = server.cpuTimeMs() - serverCpuBeforeMs;
    const serverCpuPercentOfOneCore = Math.round((serverCpuMs / result.generatorCpu.wallMs) * 1000) / 10;
    hooks.log(`${name} ${scenario.name}: ${result.opsPerSec.toFixed(0)} ops/s, p99 ${result.latency.p99Ms} ms, errors ${result.errors}`);
    return { target: name, scenario: scenario.name, result, failure: null, serverCpuPercentOfOneCore };
  } catch (error) {
    hooks.log(`${name} ${scenario.name}: failed: ${(error as Error).message}`);
    return { target: name, scenario: scenario.name, result: null, failure: (error as Error).message, serverCpuPercentOfOneCore: null };
  }
}

/**
 * The load generator's options for one scenario. Connections go to the
 * endpoints in turn, so with several members a scenario gets at least one
 * connection per member (when it has that many clients) and its load reaches
 * every member, as a client library spreading over its endpoints would.
 */
export function scenarioOptions(scenario: Scenario, options: CompareOptions, endpoints: readonly Endpoint[]): BenchOptions {
  if (endpoints.length === 0) throw new Error('scenarioOptions: no endpoint');
  const merged: BenchOptions = {
    ...defaultOptions,
    keySizeBytes: 8,
    valSizeBytes: 256,
    ...scenario.overrides,
    endpoints: [...endpoints],
    stop: options.stop,
    workers: options.workers,
    json: false,
  };
  // Each worker thread needs its own connection; each member at least one, clients permitting.
  merged.conns = Math.min(merged.clients, Math.max(merged.conns, merged.workers, endpoints.length));
  return merged;
}
