/**
 * `conclave lease grant|revoke|timetolive|keep-alive|list`: etcdctl lease,
 * with its output lines. keep-alive renews at a third of the TTL until
 * interrupted (or once with --once), and ends with exit code 1 when the
 * lease expires or is revoked under it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConclaveClient } from '../../client/index.ts';
import { ConclaveError } from '../../embedded/errors.ts';
import { hexId, outputFormat, parseArgs, parseHexId, runCommand, toJson, UsageError, utf8, withClient, type CommandIo, type ParsedArgs } from './command-line.ts';

export const leaseUsage = 'lease grant <ttl seconds> | revoke <id> | timetolive <id> [--keys] | keep-alive <id> [--once] | list';

const isLeaseNotFound = (error: unknown) => error instanceof ConclaveError && error.grpcCode === 5;

async function keepAlive(client: ConclaveClient, id: number, args: ParsedArgs, io: CommandIo): Promise<void> {
  const json = outputFormat(args) === 'json';
  // Bounded by the interrupt: each round renews, prints, then sleeps a third of the TTL.
  while (!io.signal.aborted) {
    let ttlSeconds: number;
    try {
      ({ ttlSeconds } = await client.lease.keepAlive(id));
    } catch (error) {
      if (!isLeaseNotFound(error)) throw error;
      throw new ConclaveError({ grpcCode: 5, message: `lease ${hexId(id)} expired or revoked.` });
    }
    io.out(json ? toJson({ id, ttlSeconds }) : `lease ${hexId(id)} keepalived with TTL(${ttlSeconds})`);
    if (args.switches.has('once')) return;
    try {
      await sleep(Math.max(500, (ttlSeconds * 1_000) / 3), undefined, { signal: io.signal });
    } catch {
      return; // interrupted
    }
  }
}

async function timeToLive(client: ConclaveClient, id: number, args: ParsedArgs, io: CommandIo): Promise<void> {
  const keys = args.switches.has('keys');
  try {
    const ttl = await client.lease.timeToLive(id, { keys });
    if (outputFormat(args) === 'json') return io.out(toJson(ttl));
    const attached = keys ? `, attached keys([${ttl.keys.map(utf8).join(' ')}])` : '';
    io.out(`lease ${hexId(id)} granted with TTL(${ttl.grantedTtlSeconds}s), remaining(${ttl.ttlSeconds}s)${attached}`);
  } catch (error) {
    if (!isLeaseNotFound(error)) throw error;
    io.out(`lease ${hexId(id)} already expired`);
  }
}

export function leaseCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { switches: ['keys', 'once'] });
    const [action, operand, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`usage: conclave ${leaseUsage}`);
    const json = outputFormat(args) === 'json';
    switch (action) {
      case 'grant': {
        if (operand === undefined || !/^\d+$/.test(operand)) throw new UsageError('usage: conclave lease grant <ttl seconds>');
        const granted = await withClient(args, (client) => client.lease.grant(Number(operand)));
        return io.out(json ? toJson(granted) : `lease ${hexId(granted.id)} granted with TTL(${granted.ttlSeconds}s)`);
      }
      case 'revoke': {
        const id = parseHexId(operand, 'lease ID');
        const revoked = await withClient(args, (client) => client.lease.revoke(id));
        return io.out(json ? toJson(revoked) : `lease ${hexId(id)} revoked`);
      }
      case 'timetolive': {
        const id = parseHexId(operand, 'lease ID');
        return withClient(args, (client) => timeToLive(client, id, args, io));
      }
      case 'keep-alive': {
        const id = parseHexId(operand, 'lease ID');
        return withClient(args, (client) => keepAlive(client, id, args, io));
      }
      case 'list': {
        const ids = await withClient(args, (client) => client.lease.leases());
        if (json) return io.out(toJson({ leases: ids }));
        io.out(`found ${ids.length} leases`);
        for (const id of ids) io.out(hexId(id));
        return;
      }
      default:
        throw new UsageError(`usage: conclave ${leaseUsage}`);
    }
  });
}
