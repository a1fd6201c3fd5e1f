/**
 * The in-memory twin of the LevelDB log store, for tests and the simulator.
 * A `MemoryLogDisk` plays the data directory: it outlives the store opened on
 * it, so a simulated restart is "open a new store on the same disk", and the
 * same identity checks apply as on a real directory.
 *
 * Writes go through the same `CheckedLogStore` path as the real store and
 * are applied at once; every acknowledged write survives a simulated crash
 * (there is no torn tail to model). Payloads are copied on the way in, as
 * encoding does on the real store, so a caller reusing its buffers cannot
 * change the "disk".
 *
 * It must never accept a write the LevelDB store would refuse.
 */

import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from '../raft/core/types.ts';
import { CheckedLogStore } from './checked-log-store.ts';
import type { MemberIdentity } from './errors.ts';
import type { DurableUpTo, RecoveredLog } from './log-store.ts';
import type { WritePlan } from './log-view.ts';
import { LOG_FORMAT_VERSION, assertValidIdentity, checkStoredIdentity, type StoredIdentity } from './store-identity.ts';

export class MemoryLogDisk {
  /** Stands for the directory in errors. */
  readonly name: string;
  identity: StoredIdentity | null = null;
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | null = null;
  readonly entries = new Map<number, Entry>();

  constructor(name = 'memory') {
    this.name = `memory:${name}`;
  }
}

export function openMemoryLogStore(disk: MemoryLogDisk, identity: MemberIdentity): MemoryLogStore {
  assertValidIdentity(identity);
  if (disk.identity === null) {
    disk.identity = { format: LOG_FORMAT_VERSION, clusterId: identity.clusterId, memberId: identity.memberId };
  } else {
    checkStoredIdentity(disk.name, disk.identity, identity);
  }
  return new MemoryLogStore(disk, readDisk(disk));
}

function readDisk(disk: MemoryLogDisk): RecoveredLog {
  const entries = [...disk.entries.values()].sort((left, right) => left.index - right.index);
  return { hardState: disk.hardState, snapshot: disk.snapshot, entries };
}

export class MemoryLogStore extends CheckedLogStore {
  readonly #disk: MemoryLogDisk;

  /** Use `openMemoryLogStore`: it checks the disk's identity first. */
  constructor(disk: MemoryLogDisk, recovered: RecoveredLog) {
    super(disk.name, recovered);
    this.#disk = disk;
  }

  protected async persist(plan: WritePlan, point: DurableUpTo): Promise<DurableUpTo> {
    const disk = this.#disk;
    if (plan.deleted !== null) {
      for (let index = plan.deleted.from; index <= plan.deleted.to; index += 1) disk.entries.delete(index);
    }
    switch (plan.kind) {
      case 'append':
        for (const entry of plan.entries) disk.entries.set(entry.index, { index: entry.index, term: entry.term, kind: entry.kind, data: entry.data.slice() });
        if (plan.hardState !== null) disk.hardState = { ...plan.hardState };
        break;
      case 'snapshot':
        disk.snapshot = { meta: structuredClone(plan.snapshot.meta), data: plan.snapshot.data.slice() };
        break;
      case 'compact':
        break;
    }
    return point;
  }

  /** Writes land at once, so the disk is already current. */
  protected async readBack(): Promise<RecoveredLog> {
    return readDisk(this.#disk);
  }

  protected async release(): Promise<void> {}
}
