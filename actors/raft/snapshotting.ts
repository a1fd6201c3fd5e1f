/**
 * The raft actor's snapshot duties, kept out of its Ready loop:
 * - the applier made a snapshot: the core records it (followers that fell
 *   behind the log get it), the log writer stores it, then trims the stored
 *   log up to the snapshot index minus `catchUpEntries`, kept for slow
 *   followers (etcd keeps 5000);
 * - a snapshot came from the leader (a Ready's snapshot): the log writer
 *   stores it (it replaces the whole stored log) before the Ready's entries,
 *   and the applier installs it before the Ready's committed entries;
 * - restart: the recovered snapshot reaches the applier before any entry
 *   after it (the core already starts from it), unless the applier is past
 *   it already (the raft actor alone restarted, its member running on).
 *
 * The applier may be ahead of the core's applied index: the raft actor hands
 * it committed entries that are already durable before the Ready that
 * carries them is advanced. A snapshot it makes there waits (the newest one
 * only) until the core's applied index reaches it (`afterAdvance`).
 *
 * Never: let a snapshot the applier made overtake a newer one from the
 * leader (it is dropped), or store two snapshots at once (saves are chained).
 */
import type { ActorRef } from '../../runtime/index.ts';
import type { ApplierMessage } from '../applier/applier-actor.ts';
import type { LogWriterMessage } from '../log-writer/log-writer-actor.ts';
import type { RaftNode } from './core/raft-node.ts';
import type { Snapshot } from './core/types.ts';

export interface SnapshottingDeps {
  readonly node: RaftNode;
  /** Asks only: the raft actor hands in one that refuses once its incarnation ended. */
  readonly logWriter: Pick<ActorRef<LogWriterMessage>, 'ask'>;
  readonly applier: () => ActorRef<ApplierMessage>;
  /** Stored entries kept below a snapshot for followers a little behind. */
  readonly catchUpEntries: number;
  /** Called when storing a snapshot failed: the member must stop (its log and core disagree). */
  readonly fail: (reason: string) => void;
}

export class Snapshotting {
  private saving: Promise<void> = Promise.resolve();
  private stored = 0;
  /** The applier's newest snapshot past the core's applied index, kept until advance() reaches it. */
  private early: { readonly index: number; readonly data: Uint8Array } | null = null;

  constructor(private readonly deps: SnapshottingDeps) {
    if (!Number.isSafeInteger(deps.catchUpEntries) || deps.catchUpEntries < 0) {
      throw new RangeError(`snapshot catch-up entries must be a non-negative integer, got ${deps.catchUpEntries}`);
    }
  }

  /** The newest snapshot on disk, with the stored log trimmed behind it (0 if none). */
  get storedIndex(): number {
    return this.stored;
  }

  restoreRecovered(snapshot: Snapshot | null, applierAppliedIndex: number): void {
    if (snapshot === null) return;
    this.stored = snapshot.meta.index;
    if (snapshot.meta.index > applierAppliedIndex) this.deps.applier().send({ type: 'install-snapshot', snapshot });
  }

  /** Step 1 of a leader's snapshot in a Ready: durable before the Ready's entries (they follow it). */
  async persistIncoming(snapshot: Snapshot): Promise<void> {
    await this.saving;
    await this.deps.logWriter.ask({ type: 'save-snapshot', snapshot });
    this.stored = snapshot.meta.index;
  }

  /** Step 2: the applier takes it before the Ready's committed entries (same sender, so in order). */
  installIncoming(snapshot: Snapshot): void {
    // The line etcd prints too: operators (and the fault tests) see that a follower caught up by snapshot.
    console.info(`${new Date().toISOString()} I | conclave: applying snapshot at index ${snapshot.meta.index} (${snapshot.data.length} bytes) from the leader`);
    this.deps.applier().send({ type: 'install-snapshot', snapshot });
  }

  /**
   * The applier's snapshot at `index`; returns false when a newer snapshot
   * made it stale. One past the core's applied index is kept for afterAdvance.
   */
  snapshotMade(index: number, data: Uint8Array): boolean {
    const { snapshotIndex, applied, commit } = this.deps.node.status();
    if (index <= snapshotIndex) return false;
    if (index > commit) throw new Error(`invariant: the applier snapshotted index ${index}, past the commit index ${commit}`);
    if (index > applied) {
      if (this.early === null || this.early.index < index) this.early = { index, data };
      return true;
    }
    if (this.early !== null && this.early.index <= index) this.early = null;
    const snapshot = this.deps.node.compact(index, data);
    const trimTo = index - this.deps.catchUpEntries;
    this.saving = this.saving
      .then(async () => {
        await this.deps.logWriter.ask({ type: 'save-snapshot', snapshot });
        if (trimTo > 0) await this.deps.logWriter.ask({ type: 'compact', upToIndex: trimTo });
        this.stored = Math.max(this.stored, index);
      })
      .catch((error: unknown) => this.deps.fail(`storing the snapshot at index ${index} failed: ${error instanceof Error ? error.message : String(error)}`));
    return true;
  }

  /** After each advance(): records a snapshot the applier made early, once the core has applied its index. */
  afterAdvance(): void {
    const early = this.early;
    if (early === null || early.index > this.deps.node.status().applied) return;
    this.early = null;
    this.snapshotMade(early.index, early.data);
  }
}
