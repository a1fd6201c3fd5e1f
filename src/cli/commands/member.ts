/**
 * `conclave member list|add|remove|promote`: etcdctl member, with its
 * output. IDs are printed and read in hex as etcdctl does; `add` prints the
 * ETCD_* settings the new member must start with.
 */
import type { ConclaveClient } from '../../client/index.ts';
import type { MemberRecord } from '../../embedded/cluster-api.ts';
import { ConclaveError } from '../../embedded/errors.ts';
import { hexId, outputFormat, parseArgs, parseHexId, runCommand, shortHexId, toJson, UsageError, withClient, type CommandIo } from './command-line.ts';

export const memberUsage = 'member list | add <name> --peer-urls=<url,...> [--learner] | remove <hex id> | promote <hex id>';

/** The cluster ID from the first endpoint that answers a Status. */
async function clusterIdOf(client: ConclaveClient): Promise<number> {
  let lastError: unknown = new ConclaveError({ grpcCode: 14, message: 'no endpoint answered' });
  for (const endpoint of client.maintenance.endpoints()) {
    try {
      return (await client.maintenance.endpointStatus(endpoint)).clusterId;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

const memberLine = (member: MemberRecord): string =>
  [shortHexId(member.id), member.name === '' ? 'unstarted' : 'started', member.name, member.peerUrls.join(','), member.clientUrls.join(','), String(member.isLearner)].join(', ');

function addedSettings(name: string, added: MemberRecord, members: readonly MemberRecord[]): string[] {
  const initialCluster = members.flatMap((member) => {
    const memberName = member.id === added.id ? name : member.name;
    return memberName === '' ? [] : member.peerUrls.map((url) => `${memberName}=${url}`);
  });
  return [
    `ETCD_NAME="${name}"`,
    `ETCD_INITIAL_CLUSTER="${initialCluster.join(',')}"`,
    `ETCD_INITIAL_ADVERTISE_PEER_URLS="${added.peerUrls.join(',')}"`,
    'ETCD_INITIAL_CLUSTER_STATE="existing"',
  ];
}

export function memberCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { values: ['peer-urls'], switches: ['learner'] });
    const [action, operand, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`usage: conclave ${memberUsage}`);
    const json = outputFormat(args) === 'json';
    switch (action) {
      case 'list': {
        const members = await withClient(args, (client) => client.cluster.members());
        if (json) return io.out(toJson({ members }));
        for (const member of members) io.out(memberLine(member));
        return;
      }
      case 'add': {
        const peerUrls = (args.values.get('peer-urls') ?? '').split(',').filter((url) => url !== '');
        if (operand === undefined || peerUrls.length === 0) throw new UsageError('usage: conclave member add <name> --peer-urls=<url,...> [--learner]');
        const isLearner = args.switches.has('learner');
        const { change, clusterId } = await withClient(args, async (client) => ({
          change: await client.cluster.add(peerUrls, { isLearner }),
          clusterId: await clusterIdOf(client),
        }));
        if (json) return io.out(toJson({ ...change, clusterId }));
        io.out(`Member ${hexId(change.member.id)} added to cluster ${hexId(clusterId)}\n`);
        for (const line of addedSettings(operand, change.member, change.members)) io.out(line);
        return;
      }
      case 'remove':
      case 'promote': {
        const id = parseHexId(operand, 'member ID');
        const { change, clusterId } = await withClient(args, async (client) => ({
          change: action === 'remove' ? await client.cluster.remove(id) : await client.cluster.promote(id),
          clusterId: await clusterIdOf(client),
        }));
        if (json) return io.out(toJson({ ...change, clusterId }));
        return io.out(`Member ${hexId(id)} ${action === 'remove' ? 'removed from' : 'promoted in'} cluster ${hexId(clusterId)}`);
      }
      default:
        throw new UsageError(`usage: conclave ${memberUsage}`);
    }
  });
}
