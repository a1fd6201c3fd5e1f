/**
 * The embedded handle's cluster API over etcd's Cluster service and
 * Maintenance.MoveLeader. The server runs etcd's checks and refuses with
 * etcd's codes and texts; this module only maps member rows.
 *
 * MemberRemove, MemberPromote and MemberUpdate answer with the member list
 * only; the subject's row is read from the list before (remove) or after
 * (promote, update) the change, so the result has the embedded
 * MemberChange shape.
 *
 * MoveLeader must reach the current leader (etcd refuses it elsewhere), so
 * the leader is found among the client's endpoints first, as etcdctl does.
 */
import { ConclaveError } from '../embedded/errors.ts';
import type { MemberChange, MemberRecord } from '../embedded/cluster-api.ts';
import type { SharedClusterApi } from './api-shape.ts';
import { clientMethods, type WireMember } from './methods.ts';
import type { RpcCaller } from './rpc-caller.ts';
import { wireNumber } from './wire-codec.ts';

function decodeMember(member: WireMember): MemberRecord {
  return {
    id: wireNumber(member.ID, 'member ID'),
    name: member.name,
    peerUrls: member.peerURLs,
    clientUrls: member.clientURLs,
    isLearner: member.isLearner,
  };
}

const byId = (members: readonly WireMember[]): MemberRecord[] => members.map(decodeMember).sort((a, b) => a.id - b.id);

const memberNotFound = () => new ConclaveError({ grpcCode: 5, message: 'etcdserver: member not found' });

export function remoteCluster(caller: RpcCaller): SharedClusterApi {
  const members = async (): Promise<MemberRecord[]> => byId((await caller.unary(clientMethods.memberList, {}, 'repeatable')).members);

  const withSubject = (id: number, all: readonly MemberRecord[]): MemberRecord => {
    const subject = all.find((member) => member.id === id);
    if (subject === undefined) throw memberNotFound();
    return subject;
  };

  return {
    members,
    async add(peerUrls, options = {}): Promise<MemberChange> {
      const response = await caller.unary(clientMethods.memberAdd, { peerURLs: [...peerUrls], isLearner: options.isLearner ?? false }, 'non-repeatable');
      if (response.member === null) throw new Error('MemberAdd answered without the added member');
      return { member: decodeMember(response.member), members: byId(response.members) };
    },
    async remove(id): Promise<MemberChange> {
      const subject = withSubject(id, await members());
      const response = await caller.unary(clientMethods.memberRemove, { ID: id }, 'non-repeatable');
      return { member: subject, members: byId(response.members) };
    },
    async promote(id): Promise<MemberChange> {
      const response = await caller.unary(clientMethods.memberPromote, { ID: id }, 'non-repeatable');
      const after = byId(response.members);
      return { member: withSubject(id, after), members: after };
    },
    async update(id, peerUrls): Promise<MemberChange> {
      const response = await caller.unary(clientMethods.memberUpdate, { ID: id, peerURLs: [...peerUrls] }, 'non-repeatable');
      const after = byId(response.members);
      return { member: withSubject(id, after), members: after };
    },
    async moveLeader(id): Promise<void> {
      const leader = await findLeaderChannel(caller);
      await caller.unary(clientMethods.moveLeader, { targetID: id }, 'repeatable', { channel: leader });
    },
  };
}

/** The endpoint whose member leads, asked of every endpoint in turn. */
async function findLeaderChannel(caller: RpcCaller) {
  for (const channel of caller.pool.all()) {
    try {
      const status = await caller.unary(clientMethods.status, {}, 'repeatable', { channel });
      if (status.header !== null && status.leader === status.header.member_id && status.leader !== '0') return channel;
    } catch {
      // An endpoint that is down cannot be the leader we can reach; ask the next one.
    }
  }
  const addresses = caller.pool.all().map((channel) => channel.endpoint.address).join(', ');
  throw new ConclaveError({ grpcCode: 9, message: `conclave client: no leader among the endpoints [${addresses}]; include the leader's client URL` });
}
