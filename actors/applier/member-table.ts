/**
 * The replicated member table: who is in the cluster, under which name and
 * URLs. Changed only by committed entries (conf changes and published
 * attributes), so every member answers MemberList the same; it travels in
 * snapshots so it survives compaction and restarts.
 *
 * Never: consult the Raft core's live membership; the table is rebuilt from
 * entries and snapshots alone, and a conf change's own record says whether
 * the member is a learner.
 *
 * It also keeps the IDs removal entries removed (and no entry added back),
 * oldest first, at most REMOVED_MEMBERS_MAX: a removed member must be refused
 * as removed for ever, and MemberAdd must never hand its ID out again, even
 * after the removal entry was compacted into a snapshot (etcd keeps them in
 * its backend too). Being replicated, every member drops the same oldest ID.
 */
import type { ConfChangeRecord } from '../raft/core/conf-change-codec.ts';
import type { NodeId } from '../raft/core/types.ts';
import { REMOVED_MEMBERS_MAX } from '../transport/transport-messages.ts';
import { checkMemberRecord, decodeMemberInfo, type MemberInfo, type MemberRecord } from '../member/member-info.ts';
import type { MemberAttributesCommand } from '../member/commands.ts';

const NO_INFO: MemberInfo = { name: '', peerUrls: [], clientUrls: [] };

export class MemberTable {
  private readonly byId = new Map<NodeId, MemberRecord>();
  /** Insertion order is removal order: the first is the oldest, dropped first. */
  private readonly removedIds = new Set<NodeId>();

  constructor(initial: readonly MemberRecord[]) {
    this.replace(initial, []);
  }

  /**
   * add-voter/add-learner upsert, remove deletes, update moves a known
   * member's peer URLs. A new member takes all of its info from the entry's
   * context (so does an updated one a joiner's table missed: its context
   * carries the whole record); a known one (a promotion, an update) keeps the
   * name and client URLs it published and takes peer URLs from the context.
   * A removed ID added back (only an ID reused by hand can be: MemberAdd
   * gives fresh ones) is no longer removed.
   */
  applyConfChange(record: ConfChangeRecord): void {
    const { change, conf } = record;
    if (change.kind === 'remove') {
      this.byId.delete(change.node);
      this.noteRemoved(change.node);
      return;
    }
    this.removedIds.delete(change.node);
    const info = change.context && change.context.byteLength > 0 ? decodeMemberInfo(change.context) : null;
    const isLearner = conf.learners.includes(change.node);
    if (isLearner === conf.voters.includes(change.node)) {
      throw new Error(`invariant: conf change for member ${change.node} must leave it either a voter or a learner`);
    }
    const known = this.byId.get(change.node);
    const next: MemberRecord = known
      ? { ...known, peerUrls: info ? info.peerUrls : known.peerUrls, isLearner }
      : { id: change.node, ...(info ?? NO_INFO), isLearner };
    this.byId.set(change.node, next);
  }

  /** A member's published name and client URLs; false (ignored) for an unknown ID. */
  applyAttributes(command: MemberAttributesCommand): boolean {
    const known = this.byId.get(command.id);
    if (!known) return false;
    this.byId.set(command.id, { ...known, name: command.name, clientUrls: command.clientUrls });
    return true;
  }

  /** Every member, by ascending ID (the same order on every member). */
  list(): MemberRecord[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** The removed member IDs, oldest removal first. */
  removed(): NodeId[] {
    return [...this.removedIds];
  }

  /**
   * Replaces the whole table (snapshot restore): the members, and the removed
   * IDs oldest first. Throws TypeError on a malformed record or ID (nothing
   * is replaced then).
   */
  replace(records: readonly unknown[], removedIds: readonly unknown[]): void {
    const checked = new Map<NodeId, MemberRecord>();
    for (const record of records.map(checkMemberRecord)) {
      if (checked.has(record.id)) throw new TypeError(`member ${record.id} appears twice in the member table`);
      checked.set(record.id, record);
    }
    const removed = checkRemovedIds(removedIds, checked);
    this.byId.clear();
    for (const [id, record] of checked) this.byId.set(id, record);
    this.removedIds.clear();
    for (const id of removed) this.removedIds.add(id);
  }

  private noteRemoved(id: NodeId): void {
    // Deleted first so a second removal of the same ID counts as the newest.
    this.removedIds.delete(id);
    this.removedIds.add(id);
    for (const oldest of this.removedIds) {
      if (this.removedIds.size <= REMOVED_MEMBERS_MAX) break;
      this.removedIds.delete(oldest);
    }
  }
}

function checkRemovedIds(ids: readonly unknown[], members: ReadonlyMap<NodeId, MemberRecord>): NodeId[] {
  if (ids.length > REMOVED_MEMBERS_MAX) throw new TypeError(`${ids.length} removed member IDs, at most ${REMOVED_MEMBERS_MAX} are kept`);
  const seen = new Set<NodeId>();
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new TypeError(`removed member ID ${String(id)} is not a positive safe integer`);
    if (seen.has(id)) throw new TypeError(`removed member ${id} appears twice`);
    if (members.has(id)) throw new TypeError(`member ${id} is both a member and removed`);
    seen.add(id);
  }
  return [...seen];
}
