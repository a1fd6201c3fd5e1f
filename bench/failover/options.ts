/** Flags of the failover benchmark, parsed and checked before any member starts. */
import { parseArgs } from 'node:util';
import { defaultEtcdBinary, parseTargetNames } from '../compare/targets.ts';
import type { TargetName } from '../compare/targets.ts';

export interface FailoverOptions {
  targets: TargetName[];
  rounds: number;
  heartbeatIntervalMs: number;
  /** --pre-vote for both targets. */
  preVote: boolean;
  electionTimeoutMs: number;
  putIntervalMs: number;
  /** Bound on one failover (kill → next acknowledged put); a round that exceeds it fails. */
  failoverTimeoutMs: number;
  etcdBinary: string;
  json: boolean;
}

export const failoverUsage = `usage: bench:failover [flags]

For each target, starts a 3-member cluster on 127.0.0.1 with the same
heartbeat and election timeouts, sends a steady trickle of puts to the
followers, kills the leader with SIGKILL, and measures the time from the kill
to the first acknowledged put sent after it. Restarts the killed member and
repeats. Prints every round, min/median/max per target and the ratio.

  --targets LIST             etcd, conclave [etcd,conclave]
  --rounds N                 kills per target [5]
  --heartbeat-interval MS    both targets' --heartbeat-interval [100]
  --election-timeout MS      both targets' --election-timeout [1000]
  --pre-vote BOOL            both targets' --pre-vote [true]: the same election
                             on both (etcd 3.4 defaults to false; without it, a
                             restarted member can depose the leader it rejoins)
  --put-interval MS          one put every MS [5]
  --failover-timeout MS      a round fails past this [30000]
  --etcd-binary PATH         etcd to run [${defaultEtcdBinary}]
  --json                     print the results as JSON
  -h, --help                 show this text`;

export class FailoverUsageError extends Error {
  override readonly name = 'FailoverUsageError';
}

export type ParsedFailoverArgs = { help: true } | { help: false; options: FailoverOptions };

export function parseFailoverArgs(argv: readonly string[]): ParsedFailoverArgs {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        targets: { type: 'string' },
        rounds: { type: 'string' },
        'heartbeat-interval': { type: 'string' },
        'election-timeout': { type: 'string' },
        'pre-vote': { type: 'string' },
        'put-interval': { type: 'string' },
        'failover-timeout': { type: 'string' },
        'etcd-binary': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new FailoverUsageError(`${(error as Error).message}\n(run with --help for the list of flags)`);
  }
  if (values.help === true) return { help: true };
  let targets: TargetName[];
  try {
    targets = parseTargetNames(values.targets ?? 'etcd,conclave');
  } catch (error) {
    throw new FailoverUsageError((error as Error).message);
  }
  const options: FailoverOptions = {
    targets,
    rounds: whole('rounds', values.rounds ?? '5', 1, 100),
    heartbeatIntervalMs: whole('heartbeat-interval', values['heartbeat-interval'] ?? '100', 1, 10_000),
    electionTimeoutMs: whole('election-timeout', values['election-timeout'] ?? '1000', 1, 50_000),
    preVote: bool('pre-vote', values['pre-vote'] ?? 'true'),
    putIntervalMs: whole('put-interval', values['put-interval'] ?? '5', 1, 1_000),
    failoverTimeoutMs: whole('failover-timeout', values['failover-timeout'] ?? '30000', 100, 30_000),
    etcdBinary: values['etcd-binary'] ?? defaultEtcdBinary,
    json: values.json === true,
  };
  // etcd refuses an election timeout under 5 heartbeats; say so here rather than as a failed start.
  if (options.electionTimeoutMs < 5 * options.heartbeatIntervalMs) {
    throw new FailoverUsageError(
      `--election-timeout ${options.electionTimeoutMs} must be at least 5 x --heartbeat-interval ${options.heartbeatIntervalMs} (etcd's rule)`,
    );
  }
  return { help: false, options };
}

function bool(name: string, text: string): boolean {
  if (text !== 'true' && text !== 'false') throw new FailoverUsageError(`--${name} '${text}' must be true or false`);
  return text === 'true';
}

function whole(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new FailoverUsageError(`--${name} '${text}' must be a whole number in ${min}..${max}`);
  return value;
}
