/**
 * Decides who this member is and which cluster it belongs to, before any
 * actor starts: from the data directory's bootstrap record when there is
 * one, else from etcd's bootstrap options (--initial-cluster and friends).
 *
 * - `new`: every member computes the same member IDs (from peer URLs and the
 *   cluster token) and the same cluster ID (from those IDs and the token), so
 *   a cluster bootstraps with no coordinator.
 * - `existing`: the member joins a running cluster after MemberAdd gave it a
 *   fresh ID. It asks the listed peers for the cluster ID and member table,
 *   takes the ID of the row whose peer URLs are its own (as etcd's joining
 *   members do), and starts with no voters (the leader's log tells it the
 *   membership). No such row: it was never added, and it refuses to start.
 *
 * The learned ID is kept in the bootstrap record, so a restart needs nobody.
 *
 * Never: start a member on a data directory that belongs to another member or
 * another cluster; the error says which and what to change.
 */
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { readBootstrapRecord, writeBootstrapRecord, type BootstrapRecord } from '../../actors/member/bootstrap-record.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { ClusterInfo } from '../../actors/transport/discover.ts';
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

/**
 * Asks `peerUrls`' members for the cluster ID and member table: the first
 * answer `wanted` accepts, else the first answer (see discover.ts).
 */
export type DiscoverCluster = (peerUrls: readonly string[], wanted: (info: ClusterInfo) => boolean) => Promise<ClusterInfo>;

export class ClusterPlanError extends Error {
  override readonly name = 'ClusterPlanError';
}

const hex = (id: number): string => id.toString(16);

/** A URL as etcd compares them: scheme://host:port, no trailing slash. */
export const canonicalUrl = (text: string): string => {
  const url = new URL(text);
  return `${url.protocol}//${url.host}`;
};

/** Peer URLs as a comparable key: canonical, deduplicated, order-insensitive. */
function urlsKey(urls: readonly string[]): string {
  const canonical = urls.map((url) => {
    try {
      return canonicalUrl(url);
    } catch {
      return url;
    }
  });
  return [...new Set(canonical)].sort().join(' ');
}

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

/**
 * Peers: the record's members (their IDs are the cluster's), then members
 * the flags name at URLs the record does not know (their IDs derived as at
 * bootstrap); the member table takes over once applied.
 */
function planOf(record: BootstrapRecord, flagMembers: readonly MemberRecord[], self: MemberRecord): ClusterPlan {
  const known = record.initialMembers.filter((member) => member.id !== record.memberId);
  const knownUrls = new Set(record.initialMembers.flatMap((member) => member.peerUrls.map((url) => urlsKey([url]))));
  const unknown = flagMembers.filter((member) => member.name !== self.name && !member.peerUrls.some((url) => knownUrls.has(urlsKey([url]))));
  return {
    clusterId: record.clusterId,
    memberId: record.memberId,
    bootstrapVoters: record.bootstrapVoters,
    initialMembers: record.initialMembers,
    peers: [...known, ...unknown].map(({ id, peerUrls }) => ({ id, peerUrls })),
    peerUrls: self.peerUrls,
  };
}

/**
 * A bootstrapped member's ID follows from its flags, so they must give it
 * again; a joined member's came from the cluster, so its name must match.
 */
function checkOwner(dir: string, stored: BootstrapRecord, self: MemberRecord, name: string): void {
  if (stored.bootstrapVoters.length > 0) {
    if (stored.memberId === self.id) return;
    throw new ClusterPlanError(
      `data directory ${dir} belongs to member ${hex(stored.memberId)} of cluster ${hex(stored.clusterId)}, but --name ${name} with these peer URLs and token is member ${hex(self.id)}; use that member's own data directory`,
    );
  }
  const row = stored.initialMembers.find((member) => member.id === stored.memberId);
  if (row !== undefined && row.name === name) return;
  throw new ClusterPlanError(
    `data directory ${dir} belongs to member ${hex(stored.memberId)} ("${row?.name ?? '?'}") of cluster ${hex(stored.clusterId)}, not to --name ${name}; use that member's own data directory`,
  );
}

/** Joins a running cluster: its ID is the one MemberAdd gave the row with this member's peer URLs. */
async function joinRecord(members: readonly MemberRecord[], self: MemberRecord, discover: DiscoverCluster): Promise<BootstrapRecord> {
  const others = members.filter((member) => member.name !== self.name).flatMap((member) => member.peerUrls);
  if (others.length === 0) throw new ClusterPlanError('--initial-cluster-state existing needs --initial-cluster to list the running members');
  const ownKey = urlsKey(self.peerUrls);
  const isSelf = (row: { readonly peerUrls: readonly string[] }) => urlsKey(row.peerUrls) === ownKey;
  const info = await discover(others, (answer) => answer.members.some(isSelf));
  const row = info.members.find(isSelf);
  if (row === undefined) {
    const listed = info.members.map((member) => `${hex(member.id)} "${member.name}" ${member.peerUrls.join(',')}`).join('; ');
    throw new ClusterPlanError(
      `member "${self.name}" with peer URLs ${self.peerUrls.join(',')} has not been added to cluster ${hex(info.clusterId)} (${info.answeredBy} lists: ${listed}); ` +
        `add it first on a running member (etcdctl member add ${self.name} --peer-urls=${self.peerUrls.join(',')}), then start it with --initial-cluster-state existing`,
    );
  }
  // The running members as the cluster knows them; conf changes in the leader's log correct the rest.
  const initialMembers = info.members.map((member): MemberRecord => ({
    id: member.id,
    name: member.id === row.id ? self.name : member.name,
    peerUrls: [...member.peerUrls],
    clientUrls: [],
    isLearner: member.isLearner,
  }));
  return { clusterId: info.clusterId, memberId: row.id, bootstrapVoters: [], initialMembers };
}

export async function planCluster(dir: string, name: string, token: string, bootstrap: ClusterBootstrap, discover: DiscoverCluster): Promise<ClusterPlan> {
  const members = membersOf(bootstrap, token);
  const self = members.find((member) => member.name === name);
  if (self === undefined) throw new ClusterPlanError(`couldn't find local name "${name}" in the initial cluster configuration`);
  const state = bootstrap.state ?? 'new';
  const newClusterId = clusterIdOf(members.map((member) => member.id), token);
  const stored = await readBootstrapRecord(dir);
  if (stored !== null) {
    checkOwner(dir, stored, self, name);
    if (state === 'new' && stored.bootstrapVoters.length > 0 && stored.clusterId !== newClusterId) {
      throw new ClusterPlanError(
        `data directory ${dir} belongs to cluster ${hex(stored.clusterId)}, but --initial-cluster and --initial-cluster-token describe cluster ${hex(newClusterId)}; ` +
          'give the original bootstrap flags, or --initial-cluster-state existing if the membership has changed since',
      );
    }
    return planOf(stored, members, self);
  }
  const record: BootstrapRecord =
    state === 'new'
      ? { clusterId: newClusterId, memberId: self.id, bootstrapVoters: members.map((member) => member.id), initialMembers: members }
      : await joinRecord(members, self, discover);
  await writeBootstrapRecord(dir, record);
  return planOf(record, members, self);
}
