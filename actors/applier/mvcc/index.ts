/**
 * The MVCC store's public API: the state machine, its commands and
 * requests, its errors, snapshot encoding and the request checks frontends
 * run before proposing. Everything else in this folder is internal.
 */
export { MvccStore } from './store.ts';
export type { KeyValue, ChangeEvent, EventType, LeaseLookup } from './types.ts';
export type * from './requests.ts';
export type { MvccCommand, CompactCommand, LeaseRevokeCommand, CommandResponse, CompactResponse, LeaseRevokeResponse, ApplyResult } from './commands.ts';
export { MvccError, SnapshotCorruptError, MVCC_ERRORS, GrpcCode } from './errors.ts';
export type { MvccErrorKind, SnapshotFault } from './errors.ts';
export { encodeSnapshot, encodeSnapshotSteps, decodeSnapshot } from './snapshot.ts';
export type { MvccSnapshotState } from './snapshot.ts';
export type { HashKvResult } from './hash.ts';
export type { EventPage } from './events.ts';
export { validateRequest, checkRequestSize, isReadOnlyTxn, ETCD_DEFAULT_LIMITS } from './validate.ts';
export type { RequestLimits } from './validate.ts';
