/**
 * The CI budget of the simulator, shared by the 3- and 5-member test files
 * (two files so tap runs them side by side): run a range of seeds, demand
 * zero violations, and demand that the runs really exercised what they
 * claim to (every fault kind struck, crashes, membership changes, snapshot
 * installs, ReadIndex reads) -- a simulator that quietly stopped injecting
 * a fault would otherwise still pass.
 */
import type { Test } from 'tap';
import { runSimulation } from './cluster/simulation.ts';
import type { SimulationResult } from './cluster/simulation.ts';
import { FAULT_KINDS } from './cluster/fault-driver.ts';

function describeFailure(result: SimulationResult): string {
  const lines = [`seed ${result.seed} (${result.memberCount} members):`];
  for (const violation of result.violations.slice(0, 5)) lines.push(`  [${violation.checker}] at ${violation.timeMs}ms: ${violation.message.slice(0, 600)}`);
  lines.push(`  replay: npm run sim -- --seeds 1 --from ${result.seed} --nodes ${result.memberCount} --trace`);
  return lines.join('\n');
}

export async function runSeedBudget(t: Test, memberCount: number, firstSeed: number, seeds: number): Promise<void> {
  const failures: string[] = [];
  const struck = new Map<string, number>();
  const totals = { operations: 0, terms: 0, crashes: 0, membershipChanges: 0, snapshotsInstalled: 0, readIndexReads: 0 };
  const started = performance.now();
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const result = runSimulation({ seed, memberCount });
    const stats = result.stats;
    totals.operations += stats.operationsCompleted;
    totals.terms += stats.termsWithLeader;
    totals.crashes += stats.crashes;
    totals.membershipChanges += stats.membershipChanges;
    totals.snapshotsInstalled += stats.snapshotsInstalled;
    totals.readIndexReads += stats.readIndexReadsServed;
    for (const [kind, count] of Object.entries(stats.faults)) struck.set(kind, (struck.get(kind) ?? 0) + count);
    if (result.violations.length > 0) failures.push(describeFailure(result));
  }
  t.comment(`${seeds} runs of ${memberCount} members in ${((performance.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(totals)}`);
  t.same(failures, [], 'every checker passed on every seed');
  t.same(FAULT_KINDS.filter((kind) => !struck.has(kind)), [], 'every kind of fault struck somewhere');
  t.ok(totals.operations > seeds * 50, `the workload ran: ${totals.operations} operations completed`);
  t.ok(totals.terms > seeds * 2, `leadership changed under the faults: ${totals.terms} terms had a leader`);
  t.ok(totals.crashes > seeds, `members crashed and restarted: ${totals.crashes}`);
  t.ok(totals.membershipChanges > seeds / 4, `membership changed: ${totals.membershipChanges} times`);
  t.ok(totals.snapshotsInstalled > seeds / 4, `followers caught up from snapshots: ${totals.snapshotsInstalled} times`);
  t.ok(totals.readIndexReads > seeds * 10, `reads went through ReadIndex: ${totals.readIndexReads}`);
}
