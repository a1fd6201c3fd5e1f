/**
 * The replicated member table: who is in the cluster, under which name and
 * URLs. Changed only by committed entries (conf changes and published
 * attributes), so every member answers MemberList the same; it travels in
 * snapshots so it survives compaction and restarts.
 *
 * Never: consult the Raft core's live membership; the table is rebuilt from
 * entries and snapshots alone, and a conf change's own record says whether
 * the member is a learner.
 */
import type { ConfChangeRecord } from '../raft/core/conf-change-codec.ts';
import type { NodeId } from '../raft/core/types.ts';
import { checkMemberRecord, decodeMemberInfo, type MemberInfo, type MemberRecord } from '../member/member-info.ts';
import type { MemberAttributesCommand } from '../member/commands.ts';

const NO_INFO: MemberInfo = { name: '', peerUrls: [], clientUrls: [] };

export class MemberTable {
  private readonly byId = new Map<NodeId, MemberRecord>();

  constructor(initial: readonly MemberRecord[]) {
    this.replace(initial);
  }

  /**
   * add-voter/add-learner upsert, remove deletes, update moves a known
   * member's peer URLs. A new member takes all of its info from the entry's
   * context (so does an updated one a joiner's table missed: its context
   * carries the whole record); a known one (a promotion, an update) keeps the
   * name and client URLs it published and takes peer URLs from the context.
   */
  applyConfChange(record: ConfChangeRecord): void {
    const { change, conf } = record;
    if (change.kind === 'remove') {
      this.byId.delete(change.node);
      return;
    }
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

  /** Replaces the whole table (snapshot restore); throws TypeError on a malformed record. */
  replace(records: readonly unknown[]): void {
    const checked = new Map<NodeId, MemberRecord>();
    for (const record of records.map(checkMemberRecord)) {
      if (checked.has(record.id)) throw new TypeError(`member ${record.id} appears twice in the member table`);
      checked.set(record.id, record);
    }
    this.byId.clear();
    for (const [id, record] of checked) this.byId.set(id, record);
  }
}
