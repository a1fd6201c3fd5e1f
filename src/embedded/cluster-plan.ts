/**
 * Decides who this member is and which cluster it belongs to, before any
 * actor starts: from the data directory's bootstrap record when there is
 * one, else from etcd's bootstrap options (--initial-cluster and friends).
 *
 * - `new`: every member computes the same member IDs (from peer URLs and the
 *   cluster token) and the same cluster ID (from those IDs and the token), so
 *   a cluster bootstraps with no coordinator.
 * - `existing`: the member joins a running cluster after MemberAdd; it asks a
 *   listed peer for the cluster ID and starts with no voters (the leader's
 *   log tells it the membership).
 *
 * Never: start a member on a data directory that belongs to another member or
 * another cluster; the error says which and what to change.
 */
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { readBootstrapRecord, writeBootstrapRecord, type BootstrapRecord } from '../../actors/member/bootstrap-record.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { PeerAddress } from '../../actors/transport/transport-messages.ts';

export interface ClusterBootstrap {
  /** Every member's name and peer URLs, this one's included (etcd's --initial-cluster). */
  readonly initialCluster: Readonly<Record<string, readonly string[]>>;
  /** etcd's --initial-cluster-state. Default 'new'. */
  readonly state?: 'new' | 'existing';
}

export interface ClusterPlan {
  readonly clusterId: number;
  readonly memberId: number;
  readonly bootstrapVoters: readonly number[];
  readonly initialMembers: readonly MemberRecord[];
  /** Where the other members are, as far as the options know (the member table takes over once applied). */
  readonly peers: readonly PeerAddress[];
  /** This member's own advertised peer URLs. */
  readonly peerUrls: readonly string[];
}

/** Finds the running cluster's ID by asking one of `peerUrls`' members. */
export type DiscoverClusterId = (peerUrls: readonly string[]) => Promise<number>;

export class ClusterPlanError extends Error {
  override readonly name = 'ClusterPlanError';
}

const hex = (id: number): string => id.toString(16);

/** A URL as etcd compares them: scheme://host:port, no trailing slash. */
export const canonicalUrl = (text: string): string => {
  const url = new URL(text);
  return `${url.protocol}//${url.host}`;
};

function membersOf(bootstrap: ClusterBootstrap, token: string): MemberRecord[] {
  const seen = new Map<string, string>();
  return Object.entries(bootstrap.initialCluster).map(([name, urls]) => {
    if (urls.length === 0) throw new ClusterPlanError(`--initial-cluster gives member "${name}" no peer URL`);
    const peerUrls = urls.map(canonicalUrl);
    for (const url of peerUrls) {
      const owner = seen.get(url);
      if (owner !== undefined) throw new ClusterPlanError(`--initial-cluster gives peer URL ${url} to both "${owner}" and "${name}"`);
      seen.set(url, name);
    }
    return { id: memberIdOf(peerUrls, token), name, peerUrls, clientUrls: [], isLearner: false };
  });
}

function planOf(record: BootstrapRecord, members: readonly MemberRecord[], self: MemberRecord): ClusterPlan {
  return {
    clusterId: record.clusterId,
    memberId: record.memberId,
    bootstrapVoters: record.bootstrapVoters,
    initialMembers: record.initialMembers,
    peers: members.filter((member) => member.id !== self.id).map(({ id, peerUrls }) => ({ id, peerUrls })),
    peerUrls: self.peerUrls,
  };
}

export async function planCluster(dir: string, name: string, token: string, bootstrap: ClusterBootstrap, discover: DiscoverClusterId): Promise<ClusterPlan> {
  const members = membersOf(bootstrap, token);
  const self = members.find((member) => member.name === name);
  if (self === undefined) throw new ClusterPlanError(`couldn't find local name "${name}" in the initial cluster configuration`);
  const state = bootstrap.state ?? 'new';
  const newClusterId = clusterIdOf(members.map((member) => member.id), token);
  const stored = await readBootstrapRecord(dir);
  if (stored !== null) {
    if (stored.memberId !== self.id) {
      throw new ClusterPlanError(
        `data directory ${dir} belongs to member ${hex(stored.memberId)} of cluster ${hex(stored.clusterId)}, but --name ${name} with these peer URLs and token is member ${hex(self.id)}; use that member's own data directory`,
      );
    }
    if (state === 'new' && stored.bootstrapVoters.length > 0 && stored.clusterId !== newClusterId) {
      throw new ClusterPlanError(
        `data directory ${dir} belongs to cluster ${hex(stored.clusterId)}, but --initial-cluster and --initial-cluster-token describe cluster ${hex(newClusterId)}; ` +
          'give the original bootstrap flags, or --initial-cluster-state existing if the membership has changed since',
      );
    }
    return planOf(stored, members, self);
  }
  let record: BootstrapRecord;
  if (state === 'new') {
    record = { clusterId: newClusterId, memberId: self.id, bootstrapVoters: members.map((member) => member.id), initialMembers: members };
  } else {
    const others = members.filter((member) => member.id !== self.id).flatMap((member) => member.peerUrls);
    if (others.length === 0) throw new ClusterPlanError('--initial-cluster-state existing needs --initial-cluster to list the running members');
    const clusterId = await discover(others);
    // The running members as the operator listed them; conf changes in the leader's log correct the rest.
    record = { clusterId, memberId: self.id, bootstrapVoters: [], initialMembers: members };
  }
  await writeBootstrapRecord(dir, record);
  return planOf(record, members, self);
}
