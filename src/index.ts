/**
 * Conclave's public API for embedding: `open()` a member in this process.
 */
export { open, type OpenOptions } from './embedded/open.ts';
export { Conclave, type PutOptions, type ReadOptions, type RangeOptions, type DeleteOptions, type WatchOptions, type MemberStatus, type LeaseApi } from './embedded/conclave.ts';
export { Watch } from './embedded/watch.ts';
export { ConclaveError, ClosedError, NoSpaceError } from './embedded/errors.ts';
export type { AlarmApi, AlarmMember, AlarmType } from './embedded/alarm-api.ts';
export type { BytesInput } from './embedded/bytes.ts';
export type { KeyValue, ChangeEvent, RangeRequest, RangeResponse, PutResponse, DeleteRangeResponse, TxnRequest, TxnResponse, Compare, RequestOp } from '../actors/applier/mvcc/index.ts';
export type { WatchResponse, WatchFilter } from '../actors/watch-hub/index.ts';
export type { MemberPlacement } from '../actors/member/start-member.ts';
