/**
 * The log writer's public API: the `RaftLogStore` seam, its LevelDB
 * implementation and its in-memory twin, and the typed errors callers catch.
 * Everything else in this folder is internal.
 */

export type { DurableUpTo, LogStoreLogger, RaftLogStore, RecoveredLog } from './log-store.ts';
export { openLevelLogStore, LevelLogStore, type LevelLogStoreOptions } from './level-log-store.ts';
export { openMemoryLogStore, MemoryLogStore, MemoryLogDisk } from './memory-log-store.ts';
export { DEFAULT_GROUP_COMMIT_LIMITS, type BatchReport, type GroupCommitLimits, type GroupCommitStats } from './group-commit.ts';
export { RAFT_LOG_DIRNAME } from './log-db.ts';
export { LOG_FORMAT_VERSION } from './store-identity.ts';
export {
  LogCorruptionError,
  LogFormatTooNewError,
  LogGapError,
  LogIdentityMismatchError,
  LogStoreClosedError,
  LogStoreError,
  LogStoreFailedError,
  LogStoreOverloadedError,
  type MemberIdentity,
  type RecordKind,
} from './errors.ts';
