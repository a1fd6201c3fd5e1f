/**
 * The named load scenarios of a side-by-side run. Each is a set of load
 * generator options on top of the shared ones (8-byte keys, 256-byte values,
 * the figures REFERENCE.md records for real etcd); the default set is the
 * one the project's baseline table is made of.
 */
import type { BenchOptions } from '../../src/bench/index.ts';

export interface Scenario {
  name: string;
  overrides: Partial<BenchOptions>;
}

const seededKeySpace = 1_000;

export const scenarios: readonly Scenario[] = [
  { name: 'put-1', overrides: { workload: 'put', clients: 1, conns: 1 } },
  { name: 'put-64', overrides: { workload: 'put', clients: 64, conns: 1 } },
  { name: 'put-256', overrides: { workload: 'put', clients: 256, conns: 4 } },
  { name: 'range-l-64', overrides: { workload: 'range', clients: 64, conns: 1, consistency: 'linearizable', keySpace: seededKeySpace } },
  { name: 'range-s-64', overrides: { workload: 'range', clients: 64, conns: 1, consistency: 'serializable', keySpace: seededKeySpace } },
  { name: 'txn-put-64', overrides: { workload: 'txn-put', clients: 64, conns: 1 } },
  { name: 'mixed-64', overrides: { workload: 'mixed', clients: 64, conns: 1, readRatio: 0.9, keySpace: seededKeySpace } },
  { name: 'watch-100', overrides: { workload: 'watch', clients: 4, conns: 1, watchers: 100, watchKeys: 1, watchStreams: 10 } },
  { name: 'lease-64', overrides: { workload: 'lease', clients: 64, conns: 1 } },
];

export const defaultScenarioNames = ['put-1', 'put-64', 'range-l-64', 'range-s-64'] as const;

export function findScenario(name: string): Scenario {
  const found = scenarios.find((scenario) => scenario.name === name);
  if (found === undefined) throw new Error(`unknown scenario '${name}'; known: ${scenarios.map((s) => s.name).join(', ')}`);
  return found;
}
