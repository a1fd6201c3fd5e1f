/**
 * The durable Raft log of one member: a LevelDB (classic-level) under the
 * member's data directory, written through group commit so every write is
 * fsynced (`sync: true`) and many writes share one fsync (a commit-index-only
 * hard state may skip its own fsync: see `AppendOptions`).
 *
 * Each write is checked (by `CheckedLogStore`) and turned into LevelDB
 * operations synchronously, in call order; only the fsync is asynchronous.
 * That is what keeps writes ordered without any lock: the view is always the
 * log as it will be once the queue drains.
 *
 * It must never acknowledge a write before the batch holding it is durable,
 * and never start without checking the directory's identity and every record.
 */

import { CheckedLogStore } from './checked-log-store.ts';
import { LogCorruptionError, type MemberIdentity } from './errors.ts';
import {
  DEFAULT_GROUP_COMMIT_LIMITS,
  GroupCommit,
  assertValidLimits,
  type BatchReport,
  type GroupCommitLimits,
  type GroupCommitStats,
} from './group-commit.ts';
import { entryDeletions, logDbLocation, openLogDb, writeBatch, type LogDb, type LogDbOperation } from './log-db.ts';
import type { DurableUpTo, LogStoreLogger, RecoveredLog } from './log-store.ts';
import type { WritePlan } from './log-view.ts';
import { encodeEntry, encodeHardState, encodeSnapshot, openRecord, type StoredRecord } from './record-codec.ts';
import { IDENTITY_KEY } from './record-keys.ts';
import { recoverLog } from './recovery.ts';
import { assertValidIdentity, checkStoredIdentity, encodeIdentity } from './store-identity.ts';

export interface LevelLogStoreOptions extends MemberIdentity, Partial<GroupCommitLimits> {
  /** The member's data directory; the log's LevelDB goes in its `raft-log/` subdirectory. */
  readonly dataDir: string;
  /** Receives the warning when recovery cuts a torn tail. Defaults to console.warn. */
  readonly logger?: LogStoreLogger | undefined;
  /** Called after every durable batch: the hook for batch-size and fsync-latency metrics. */
  readonly onBatch?: ((report: BatchReport) => void) | undefined;
}

const consoleLogger: LogStoreLogger = {
  warn: (message, fields) => console.warn(`conclave log-writer: ${message}`, fields),
};

/** Opens (creating if empty) the member's log, checks its identity, and recovers it. */
export async function openLevelLogStore(options: LevelLogStoreOptions): Promise<LevelLogStore> {
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new TypeError('dataDir must name the member\'s data directory (for example "default.conclave")');
  }
  assertValidIdentity(options);
  const limits: GroupCommitLimits = {
    maxQueuedRecords: options.maxQueuedRecords ?? DEFAULT_GROUP_COMMIT_LIMITS.maxQueuedRecords,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_GROUP_COMMIT_LIMITS.maxQueuedBytes,
    maxWaitingWrites: options.maxWaitingWrites ?? DEFAULT_GROUP_COMMIT_LIMITS.maxWaitingWrites,
  };
  assertValidLimits(limits);
  const location = logDbLocation(options.dataDir);
  const db = await openLogDb(location);
  try {
    await ensureIdentity(db, location, options);
    const logger = options.logger ?? consoleLogger;
    const recovered = await recoverLog(db, location, logger);
    return new LevelLogStore(db, location, recovered, { ...limits, onBatch: options.onBatch, logger });
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function ensureIdentity(db: LogDb, location: string, identity: MemberIdentity): Promise<void> {
  const value = await db.get(IDENTITY_KEY);
  if (value === undefined) {
    const [someKey] = await db.keys({ limit: 1 }).all();
    if (someKey !== undefined) {
      throw new LogCorruptionError({ dataDir: location, recordKind: 'identity', index: null, reason: 'missing, yet the directory holds other records: it is not a Conclave raft log' });
    }
    const record = encodeIdentity(identity);
    await db.put(record.key, record.value, { sync: true });
    return;
  }
  const opened = openRecord(IDENTITY_KEY, value);
  if (!opened.ok) throw new LogCorruptionError({ dataDir: location, recordKind: 'identity', index: null, reason: opened.reason });
  checkStoredIdentity(location, opened.value, identity);
}

export class LevelLogStore extends CheckedLogStore {
  readonly #db: LogDb;
  readonly #commit: GroupCommit<LogDbOperation>;
  readonly #logger: LogStoreLogger;

  /** Use `openLevelLogStore`: it checks identity and recovers before a store exists. */
  constructor(
    db: LogDb,
    location: string,
    recovered: RecoveredLog,
    options: GroupCommitLimits & { onBatch?: ((report: BatchReport) => void) | undefined; logger: LogStoreLogger },
  ) {
    super(location, recovered);
    this.#db = db;
    this.#logger = options.logger;
    this.#commit = new GroupCommit<LogDbOperation>({
      ...options,
      dataDir: location,
      writeBatch: (operations, fsync) => (operations.length === 0 ? Promise.resolve() : writeBatch(db, operations, fsync)),
    });
  }

  /** Batches (one fsync each), writes and records per batch, fsync latency, backpressure waits. */
  get stats(): Readonly<GroupCommitStats> {
    return this.#commit.stats;
  }

  protected override assertAccepting(): void {
    this.#commit.assertAccepting();
  }

  protected persist(plan: WritePlan, point: DurableUpTo, fsync: boolean): Promise<DurableUpTo> {
    const operations = operationsFor(plan);
    const bytes = operations.reduce((sum, operation) => sum + operation.key.length + (operation.type === 'put' ? operation.value.length : 0), 0);
    return this.#commit.submit(operations, bytes, point, fsync);
  }

  protected async readBack(): Promise<RecoveredLog> {
    await this.#commit.whenIdle();
    // After a failed batch the disk is behind what was accepted: nothing read now is the log.
    this.#commit.assertAccepting();
    return recoverLog(this.#db, this.location, this.#logger);
  }

  protected async release(): Promise<void> {
    await this.#commit.whenIdle();
    await this.#db.close();
  }
}

function operationsFor(plan: WritePlan): LogDbOperation[] {
  const operations = entryDeletions(plan.deleted);
  const put = (record: StoredRecord): void => {
    operations.push({ type: 'put', key: record.key, value: record.value });
  };
  switch (plan.kind) {
    case 'append':
      plan.entries.forEach((entry) => put(encodeEntry(entry)));
      if (plan.hardState !== null) put(encodeHardState(plan.hardState));
      break;
    case 'snapshot':
      encodeSnapshot(plan.snapshot).forEach(put);
      break;
    case 'compact':
      break;
  }
  return operations;
}
