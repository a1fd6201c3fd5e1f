/**
 * etcdserverpb.Cluster over the member table every member replicates:
 * MemberList, MemberAdd, MemberRemove, MemberPromote, MemberUpdate. The
 * checks etcd makes before proposing (bad or taken URLs, unknown member,
 * promoting a voter) are made by the embedded handle's cluster API and come
 * back as etcd's codes and texts.
 *
 * This member's own row takes what the server was told about the member
 * (name, client URLs) over the table's, because those arrive in the table
 * only once published; its peer URLs come from the table (MemberUpdate moves
 * them) unless the table has none (a member alone).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { MemberRecord } from '../embedded/cluster-api.ts';
import { idToNumber } from './int64.ts';
import type { ServiceContext } from './service-context.ts';
import { unaryHandler } from './unary.ts';

interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export function clusterService({ db, headers, metrics, member }: ServiceContext): UntypedServiceImplementation {
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, 'etcdserverpb.Cluster', method, work);
  const selfId = headers.identity.memberId;
  const wire = (record: MemberRecord): WireMember => {
    // This member's own row: what the server was told about itself wins (the table may lag a publish).
    const self = record.id === selfId;
    const pick = (fromTable: readonly string[], known: readonly string[]) => [...(self && known.length > 0 ? known : fromTable)];
    return {
      ID: String(record.id),
      name: self && member.name !== '' ? member.name : record.name,
      peerURLs: [...(self && record.peerUrls.length === 0 ? member.peerUrls : record.peerUrls)],
      clientURLs: pick(record.clientUrls, member.clientUrls),
      isLearner: record.isLearner,
    };
  };
  const memberList = async () => (await db.cluster.members()).map(wire);
  return {
    MemberList: unary('MemberList', async () => ({ header: headers.header(), members: await memberList() })),
    MemberAdd: unary('MemberAdd', async (request: { peerURLs?: string[]; isLearner?: boolean }) => {
      const change = await db.cluster.add(request.peerURLs ?? [], { isLearner: request.isLearner === true });
      return { header: headers.header(), member: wire(change.member), members: change.members.map(wire) };
    }),
    MemberRemove: unary('MemberRemove', async (request: { ID?: string }) => {
      const change = await db.cluster.remove(idToNumber(request.ID, 'ID'));
      return { header: headers.header(), members: change.members.map(wire) };
    }),
    MemberUpdate: unary('MemberUpdate', async (request: { ID?: string; peerURLs?: string[] }) => {
      const change = await db.cluster.update(idToNumber(request.ID, 'ID'), request.peerURLs ?? []);
      return { header: headers.header(), members: change.members.map(wire) };
    }),
    MemberPromote: unary('MemberPromote', async (request: { ID?: string }) => {
      const change = await db.cluster.promote(idToNumber(request.ID, 'ID'));
      return { header: headers.header(), members: change.members.map(wire) };
    }),
  };
}
