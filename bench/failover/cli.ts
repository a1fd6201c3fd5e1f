/**
 * The failover benchmark as a function: for each target a fresh 3-member
 * cluster with the same timeouts, `rounds` kill -9s of its leader, then the
 * command, machine, every round and the summary. Returns 0 only when every
 * target ran every round, 1 otherwise, 2 for bad flags. Clusters are always
 * stopped, whatever failed.
 */
import { describeMachine } from '../../src/bench/index.ts';
import { startCluster } from '../../src/cli/local-cluster/launcher.ts';
import { clusterReadyTimeoutMs } from '../compare/deployment.ts';
import { makeTarget, targetParts } from '../compare/targets.ts';
import { failoverUsage, FailoverUsageError, parseFailoverArgs } from './options.ts';
import type { FailoverOptions } from './options.ts';
import { runFailoverRound } from './round.ts';
import { formatRoundsTable, formatSummaryTable } from './summary.ts';
import type { TargetFailover } from './summary.ts';

export interface FailoverIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const clusterSize = 3;

export async function failoverMain(argv: readonly string[], io: FailoverIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseFailoverArgs(argv);
  } catch (error) {
    if (!(error instanceof FailoverUsageError)) throw error;
    io.stderr.write(`bench:failover: ${error.message}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${failoverUsage}\n`);
    return 0;
  }
  const { options } = parsed;
  const command = `node --import tsx bench/failover/main.ts ${argv.join(' ')}`.trim();
  const machine = `${describeMachine()} at start`;
  const setup =
    `${clusterSize} members per target on 127.0.0.1, --heartbeat-interval ${options.heartbeatIntervalMs} --election-timeout ${options.electionTimeoutMs} --pre-vote=${options.preVote}; ` +
    `one put every ${options.putIntervalMs} ms from this process's main thread, alternating over the followers' endpoints`;
  const results: TargetFailover[] = [];
  for (const target of options.targets) results.push(await measureTarget(target, options, (line) => io.stderr.write(`${line}\n`)));
  if (options.json) io.stdout.write(`${JSON.stringify({ command, machine, setup, results }, null, 2)}\n`);
  else io.stdout.write(`command: ${command}\nmachine: ${machine}\nsetup: ${setup}\n\n${formatRoundsTable(results)}\n\n${formatSummaryTable(results)}\n`);
  return results.every((result) => result.failure === null && result.rounds.length === options.rounds) ? 0 : 1;
}

async function measureTarget(target: FailoverOptions['targets'][number], options: FailoverOptions, log: (line: string) => void): Promise<TargetFailover> {
  const result: TargetFailover = { target, rounds: [], failure: null };
  const unavailable = makeTarget(target, { etcdBinary: options.etcdBinary }).unavailableReason();
  if (unavailable !== null) {
    result.failure = `not measured: ${unavailable}`;
    log(`${target}: ${result.failure}`);
    return result;
  }
  let cluster;
  try {
    const { program, flags } = targetParts(target);
    cluster = await startCluster({
      program,
      extraFlags: [...flags, `--pre-vote=${options.preVote}`],
      size: clusterSize,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      electionTimeoutMs: options.electionTimeoutMs,
      etcdBinary: options.etcdBinary,
      readyTimeoutMs: clusterReadyTimeoutMs,
    });
  } catch (error) {
    result.failure = `could not start: ${(error as Error).message}`;
    log(`${target}: ${result.failure}`);
    return result;
  }
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const outcome = await runFailoverRound(cluster, round, options);
      result.rounds.push(outcome);
      log(`${target} round ${round}: killed ${outcome.killedLeader}, next acked put after ${outcome.failoverMs.toFixed(1)} ms, new leader ${outcome.newLeader}`);
    }
  } catch (error) {
    result.failure = `round ${result.rounds.length + 1} failed: ${(error as Error).message}`;
    log(`${target}: ${result.failure}`);
  } finally {
    await cluster.stop();
  }
  return result;
}
