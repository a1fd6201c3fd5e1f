/**
 * The embedded handle's membership operations: etcd's Cluster service
 * (MemberList, MemberAdd, MemberRemove, MemberPromote, MemberUpdate) and MoveLeader, over
 * the member's actors. Changes go through Raft as conf-change entries whose
 * context carries the member's name and URLs, so every member's table agrees.
 *
 * Checks made here are the ones etcd makes before proposing (bad or taken
 * URLs, unknown member, promoting a voter, removing the last voter); the
 * Raft core refuses the rest (a change while another is pending).
 *
 * MemberAdd hands out a fresh ID, never one a current or removed member had
 * as far as this member knows: a member removed and added back at the same
 * URLs is a new member to the cluster, and learns its ID when it joins.
 */
import type { Membership, WriteResult } from '../../actors/applier/applier-actor.ts';
import { encodeMemberCommand } from '../../actors/member/commands.ts';
import { MemberIdExhaustedError, freshMemberIdOf } from '../../actors/member/member-identity.ts';
import { encodeMemberInfo, type MemberRecord } from '../../actors/member/member-info.ts';
import type { Outcome, Refusal } from '../../actors/member/outcome.ts';
import type { Member } from '../../actors/member/start-member.ts';
import type { ConfChange, NodeId } from '../../actors/raft/core/types.ts';
import type { PeerLinkStatus, TransportStatus } from '../../actors/transport/transport-messages.ts';
import { canonicalUrl } from './cluster-plan.ts';
import { ConclaveError } from './errors.ts';

export type { MemberRecord } from '../../actors/member/member-info.ts';

export interface MemberChange {
  /** The member added, removed or promoted. */
  readonly member: MemberRecord;
  /** The member table once the change was applied. */
  readonly members: readonly MemberRecord[];
}

export interface ClusterApi {
  /** The replicated member table, by ascending ID. */
  members(): Promise<MemberRecord[]>;
  /**
   * etcd's MemberAdd: the new member gets a fresh ID (never a current or removed one this member
   * knows, even at the same URLs) and then starts with --initial-cluster-state existing, learning
   * that ID from the running members.
   */
  add(peerUrls: readonly string[], options?: { readonly isLearner?: boolean }): Promise<MemberChange>;
  remove(id: NodeId): Promise<MemberChange>;
  /** A learner becomes a voter. */
  promote(id: NodeId): Promise<MemberChange>;
  /** etcd's MemberUpdate: the member's peer URLs become `peerUrls`; every member's transport dials them from then on. */
  update(id: NodeId, peerUrls: readonly string[]): Promise<MemberChange>;
  /** Hands leadership to `id` (this member must lead); resolves once `id` leads. */
  moveLeader(id: NodeId): Promise<void>;
  /** Publishes this member's name and client URLs into the member table (etcd does so at start). */
  publish(name: string, clientUrls: readonly string[]): Promise<void>;
  /** This member's links to the others (empty for a member opened alone). */
  peerLinks(): Promise<readonly PeerLinkStatus[]>;
}

const refusal = (grpcCode: number, message: string): ConclaveError => new ConclaveError({ grpcCode, message });
const errors = {
  memberNotFound: () => refusal(5, 'etcdserver: member not found'),
  badUrls: () => refusal(3, 'etcdserver: given member URLs are invalid'),
  peerUrlExists: () => refusal(9, 'etcdserver: Peer URLs already exists'),
  memberIdExists: () => refusal(9, 'etcdserver: member ID already exist'),
  notLearner: () => refusal(9, 'etcdserver: can only promote a learner member'),
  notEnoughStarted: () => refusal(9, 'etcdserver: re-configuration failed due to not enough started members'),
  badTransferee: () => refusal(9, 'etcdserver: bad leader transferee'),
  alone: () =>
    refusal(9, 'conclave: this member was opened alone, without a peer listener, so no other member could reach it; open it with the cluster option (conclave serve does) to add members'),
};

/** etcd's types.NewURLs rules: http(s)/unix(s) scheme, host:port, no path, query or fragment. */
export function isValidPeerUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (!['http:', 'https:', 'unix:', 'unixs:'].includes(url.protocol)) return false;
  const hasPort = url.port !== '' || /:\d+$/.test(url.host);
  return hasPort && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
}

/** The URLs in canonical form; refuses an empty list or a malformed URL. */
function checkedPeerUrls(peerUrls: readonly string[]): string[] {
  if (peerUrls.length === 0 || !peerUrls.every(isValidPeerUrl)) throw errors.badUrls();
  return peerUrls.map(canonicalUrl);
}

function freshIdOf(urls: readonly string[], clusterToken: string, taken: ReadonlySet<NodeId>): NodeId {
  try {
    return freshMemberIdOf(urls, clusterToken, (id) => taken.has(id));
  } catch (error) {
    // etcd's answer to an ID in use; only reachable if the random source repeats itself.
    if (error instanceof MemberIdExhaustedError) throw errors.memberIdExists();
    throw error;
  }
}

function unwrapRefusal<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new ConclaveError(outcome.refusal as Refusal);
  return outcome.value;
}

export function clusterApi(member: Member, clusterToken: string, assertOpen: () => void): ClusterApi {
  const members = async (): Promise<MemberRecord[]> => {
    assertOpen();
    return member.applier.ask<MemberRecord[]>({ type: 'members' });
  };

  const change = async (confChange: ConfChange, subject: MemberRecord): Promise<MemberChange> => {
    const result = unwrapRefusal(await member.raft.ask<Outcome<WriteResult>>({ type: 'conf-change', change: confChange }, { timeoutMs: 60_000 }));
    if (result.type !== 'conf-change') throw new Error(`a membership change answered with ${result.type}`);
    return { member: result.members.find((m) => m.id === subject.id) ?? subject, members: result.members };
  };

  /** Refuses URLs that a member other than `exceptId` already uses. */
  const refuseTaken = (urls: readonly string[], all: readonly MemberRecord[], exceptId: NodeId | null): void => {
    const taken = new Set(all.filter((m) => m.id !== exceptId).flatMap((m) => m.peerUrls.map(canonicalUrl)));
    if (urls.some((url) => taken.has(url))) throw errors.peerUrlExists();
  };

  const existing = async (id: NodeId): Promise<{ subject: MemberRecord; all: MemberRecord[] }> => {
    const all = await members();
    const subject = all.find((m) => m.id === id);
    if (subject === undefined) throw errors.memberNotFound();
    return { subject, all };
  };

  return {
    members,
    async add(peerUrls, options = {}) {
      const urls = checkedPeerUrls(peerUrls);
      // The new member could never be reached: the change would cost this member its quorum for good.
      if (member.transport === null) throw errors.alone();
      assertOpen();
      // One answer for both, so the members and the removed IDs are those of the same applied index.
      const { members: all, removedIds } = await member.applier.ask<Membership>({ type: 'membership' });
      refuseTaken(urls, all, null);
      const taken = new Set<NodeId>([...all.map((m) => m.id), ...removedIds]);
      const isLearner = options.isLearner ?? false;
      const subject: MemberRecord = { id: freshIdOf(urls, clusterToken, taken), name: '', peerUrls: urls, clientUrls: [], isLearner };
      const context = encodeMemberInfo(subject);
      return change({ kind: isLearner ? 'add-learner' : 'add-voter', node: subject.id, context }, subject);
    },
    async remove(id) {
      const { subject, all } = await existing(id);
      const votersLeft = all.filter((m) => !m.isLearner && m.id !== id).length;
      if (!subject.isLearner && votersLeft === 0) throw errors.notEnoughStarted();
      return change({ kind: 'remove', node: id }, subject);
    },
    async promote(id) {
      const { subject } = await existing(id);
      if (!subject.isLearner) throw errors.notLearner();
      return change({ kind: 'add-voter', node: id, context: encodeMemberInfo(subject) }, subject);
    },
    async update(id, peerUrls) {
      const { subject, all } = await existing(id);
      const urls = checkedPeerUrls(peerUrls);
      refuseTaken(urls, all, id);
      // The whole record rides along, so a member whose table missed this one (a joiner) learns all of it.
      const context = encodeMemberInfo({ ...subject, peerUrls: urls });
      return change({ kind: 'update', node: id, context }, subject);
    },
    async moveLeader(id) {
      const subject = (await members()).find((m) => m.id === id);
      if (subject === undefined || subject.isLearner) throw errors.badTransferee();
      unwrapRefusal(await member.raft.ask<Outcome<unknown>>({ type: 'transfer-leader', to: id }, { timeoutMs: 60_000 }));
    },
    async peerLinks() {
      assertOpen();
      if (member.transport === null) return [];
      return (await member.transport.ask<TransportStatus>({ type: 'status' })).peers;
    },
    async publish(name, clientUrls) {
      assertOpen();
      const data = encodeMemberCommand({ type: 'member-attributes', id: member.memberId, name, clientUrls: [...clientUrls] });
      unwrapRefusal(await member.raft.ask<Outcome<WriteResult>>({ type: 'propose', data }, { timeoutMs: 60_000 }));
    },
  };
}
