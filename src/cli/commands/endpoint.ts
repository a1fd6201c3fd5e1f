/**
 * `conclave endpoint status|health`: etcdctl endpoint, one line per
 * endpoint in --endpoints. An endpoint that does not answer (or is
 * unhealthy) is reported on stderr and makes the exit code 1.
 */
import type { ConclaveClient } from '../../client/index.ts';
import { ConclaveError } from '../../embedded/errors.ts';
import { outputFormat, parseArgs, runCommand, shortHexId, toJson, UsageError, withClient, type CommandIo } from './command-line.ts';

export const endpointUsage = 'endpoint status | health';

/** Sizes as etcdctl prints them (go-humanize's SI bytes: "25 kB", "1.2 MB"). */
export function humanBytes(bytes: number): string {
  if (bytes < 1_000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  const exponent = Math.min(units.length, Math.floor(Math.log10(bytes) / 3));
  const scaled = bytes / 1_000 ** exponent;
  return `${scaled < 10 ? scaled.toFixed(1) : scaled.toFixed(0)} ${units[exponent - 1]}`;
}

async function status(client: ConclaveClient, json: boolean, io: CommandIo): Promise<number> {
  let failures = 0;
  for (const endpoint of client.maintenance.endpoints()) {
    try {
      const s = await client.maintenance.endpointStatus(endpoint);
      io.out(
        json
          ? toJson(s)
          : [endpoint, shortHexId(s.memberId), s.version, humanBytes(s.dbSizeBytes), String(s.leader === s.memberId), String(s.isLearner),
             String(s.raftTerm), String(s.raftIndex), String(s.raftAppliedIndex), s.errors.join(', ')].join(', '),
      );
    } catch (error) {
      if (!(error instanceof ConclaveError)) throw error;
      failures += 1;
      io.err(`Failed to get the status of endpoint ${endpoint} (${error.message})`);
    }
  }
  return failures === 0 ? 0 : 1;
}

async function health(client: ConclaveClient, json: boolean, io: CommandIo): Promise<number> {
  const results = await Promise.all(client.maintenance.endpoints().map((endpoint) => client.maintenance.endpointHealth(endpoint)));
  for (const result of results) {
    const took = `${result.tookMs.toFixed(3)}ms`;
    if (json) io.out(toJson(result));
    else if (result.healthy) io.out(`${result.endpoint} is healthy: successfully committed proposal: took = ${took}`);
    else io.err(`${result.endpoint} is unhealthy: failed to commit proposal: ${result.error}`);
  }
  if (results.every((result) => result.healthy)) return 0;
  io.err('Error: unhealthy cluster');
  return 1;
}

export function endpointCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, {});
    const [action, ...extra] = args.positionals;
    if (extra.length > 0 || (action !== 'status' && action !== 'health')) throw new UsageError(`usage: conclave ${endpointUsage}`);
    const json = outputFormat(args) === 'json';
    return withClient(args, (client) => (action === 'status' ? status(client, json, io) : health(client, json, io)));
  });
}
