/**
 * What both stores share: every write is planned against the `LogView`
 * (every Raft invariant checked, nothing changed), the view then moves, and
 * only then is the write handed to the store's medium. Because this path is
 * one class, the in-memory twin cannot accept a write the LevelDB store
 * refuses, and a refused write can never leave the view ahead of the medium.
 *
 * Subclasses supply the medium: how a planned write is persisted, and how the
 * medium is released on close. They must never change the view themselves.
 */

import assert from 'node:assert/strict';
import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';
import { LogStoreClosedError } from './errors.ts';
import type { AppendOptions, DurableUpTo, RaftLogStore, RecoveredLog } from './log-store.ts';
import { LogView, type WritePlan } from './log-view.ts';

export abstract class CheckedLogStore implements RaftLogStore {
  /** Names the store in errors: the LevelDB directory, or the memory disk's name. */
  readonly location: string;
  readonly #recovered: RecoveredLog;
  readonly #view: LogView;
  #closing: Promise<void> | null = null;

  protected constructor(location: string, recovered: RecoveredLog) {
    this.location = location;
    this.#recovered = recovered;
    this.#view = LogView.fromRecovered(recovered);
  }

  recover(): RecoveredLog {
    assert.equal(this.#view.version, 0, 'recover() returns the state found at open; call it before the first write');
    return this.#recovered;
  }

  async readCurrent(): Promise<RecoveredLog> {
    if (this.#view.version === 0) return this.#recovered;
    if (this.#closing !== null) throw new LogStoreClosedError({ dataDir: this.location });
    const version = this.#view.version;
    const current = await this.readBack();
    assert.equal(this.#view.version, version, 'a write was accepted while the log was read back: readCurrent() must have the store to itself');
    // The view is the log as it will be once the writes drain; they have drained, so the medium must agree.
    const readView = LogView.fromRecovered(current);
    assert.deepEqual(readView.lastPoint(), this.#view.lastPoint(), 'the log read back ends elsewhere than the writes it accepted');
    const [read, written] = [current.hardState, this.#view.hardState];
    assert.ok(read.term === written.term && read.vote === written.vote && read.commit === written.commit, 'the hard state read back differs from the last one written');
    return current;
  }

  append(entries: readonly Entry[], hardState?: HardState | null, options?: AppendOptions): Promise<DurableUpTo> {
    const fsync = options?.fsync ?? true;
    assert.ok(fsync || entries.length === 0, 'entries must be fsynced: only a hard state may skip its fsync');
    return this.#write(() => this.#view.planAppend(entries, hardState ?? null), fsync);
  }

  saveSnapshot(snapshot: Snapshot): Promise<DurableUpTo> {
    return this.#write(() => this.#view.planSnapshot(snapshot), true);
  }

  compact(upToIndex: number): Promise<DurableUpTo> {
    return this.#write(() => this.#view.planCompact(upToIndex), true);
  }

  close(): Promise<void> {
    this.#closing ??= this.release();
    return this.#closing;
  }

  /** Throws if the medium would refuse a write now; called before the write is planned. */
  protected assertAccepting(): void {}

  /**
   * Persists an accepted write; resolves once it is durable (with `fsync`
   * false: once written, in order). `point` is the log's last point after it.
   */
  protected abstract persist(plan: WritePlan, point: DurableUpTo, fsync: boolean): Promise<DurableUpTo>;

  /**
   * Waits for every accepted write to finish, then reads the log from the
   * medium as recovery does at open. Rejects when the medium failed.
   */
  protected abstract readBack(): Promise<RecoveredLog>;

  /** Lets accepted writes finish, then releases the medium. Called once. */
  protected abstract release(): Promise<void>;

  /** Runs synchronously up to `persist`, so writes reach the medium in call order. */
  async #write(plan: () => WritePlan, fsync: boolean): Promise<DurableUpTo> {
    if (this.#closing !== null) throw new LogStoreClosedError({ dataDir: this.location });
    this.assertAccepting();
    const planned = plan();
    this.#view.apply(planned);
    return this.persist(planned, this.#view.lastPoint(), fsync);
  }
}
