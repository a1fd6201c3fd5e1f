/**
 * TypeScript shapes of the etcd v3 messages Conclave sends and receives, as
 * they look after @grpc/proto-loader with the options fixed in `load.ts`:
 *
 * - field names exactly as in the .proto files (`keepCase`), so `mod_revision`,
 *   `range_end`, `ID`, `TTL` — the same spelling etcd's docs and error texts use;
 * - 64-bit integers decode as decimal strings (`longs: String`): lease IDs are
 *   int64 values that routinely exceed 2^53, and a JS number would silently
 *   corrupt them. Convert with `BigInt(x)` when arithmetic is needed. On encode a
 *   string or a safe-integer number is accepted (`Int64Input`); never pass a
 *   bigint (protobufjs would encode it as 0);
 * - `bytes` decode as Buffer; on encode pass a Uint8Array/Buffer (a JS string
 *   would be taken as base64, so the types forbid it);
 * - enums decode as their names (`enums: String`);
 * - decoded messages carry every scalar and repeated field (`defaults`); an unset
 *   sub-message decodes as null; a oneof carries a virtual property naming the
 *   member that is set (`oneofs`), and only that member is present.
 *
 * Request types list fields as optional (proto3: absent means default), so a
 * decoded request — which has them all — is assignable to them too.
 * This module holds types only; it must never import runtime code.
 */

/** An int64/uint64 as decoded: exact decimal string (may be negative for int64). */
export type Int64 = string;
/** An int64/uint64 as accepted for encoding: a decimal string, or a number within ±2^53. */
export type Int64Input = string | number;

// ------------------------------------------------------------------ mvccpb

export interface KeyValue {
  key: Buffer;
  create_revision: Int64;
  mod_revision: Int64;
  version: Int64;
  value: Buffer;
  lease: Int64;
}

export type EventType = 'PUT' | 'DELETE';

export interface Event {
  type: EventType;
  kv: KeyValue | null;
  prev_kv: KeyValue | null;
}

// ------------------------------------------------------------------ common

export interface ResponseHeader {
  cluster_id: Int64;
  member_id: Int64;
  revision: Int64;
  raft_term: Int64;
}

// ------------------------------------------------------------------ KV

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  key?: Uint8Array;
  range_end?: Uint8Array;
  limit?: Int64Input;
  revision?: Int64Input;
  sort_order?: SortOrder;
  sort_target?: SortTarget;
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: Int64Input;
  max_mod_revision?: Int64Input;
  min_create_revision?: Int64Input;
  max_create_revision?: Int64Input;
}

export interface RangeResponse {
  header: ResponseHeader | null;
  kvs: KeyValue[];
  more: boolean;
  count: Int64;
}

export interface PutRequest {
  key?: Uint8Array;
  value?: Uint8Array;
  lease?: Int64Input;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader | null;
  prev_kv: KeyValue | null;
}

export interface DeleteRangeRequest {
  key?: Uint8Array;
  range_end?: Uint8Array;
  prev_kv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader | null;
  deleted: Int64;
  prev_kvs: KeyValue[];
}

/** Exactly one member set; `request` names it when decoded. */
export type RequestOp =
  | { request?: 'request_range'; request_range: RangeRequest }
  | { request?: 'request_put'; request_put: PutRequest }
  | { request?: 'request_delete_range'; request_delete_range: DeleteRangeRequest }
  | { request?: 'request_txn'; request_txn: TxnRequest };

export type ResponseOp =
  | { response: 'response_range'; response_range: RangeResponse }
  | { response: 'response_put'; response_put: PutResponse }
  | { response: 'response_delete_range'; response_delete_range: DeleteRangeResponse }
  | { response: 'response_txn'; response_txn: TxnResponse };

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

interface CompareBase {
  result?: CompareResult;
  key?: Uint8Array;
  range_end?: Uint8Array;
}

/** The `target` names which member of the `target_union` oneof is compared. */
export type Compare = CompareBase &
  (
    | { target: 'VERSION'; version: Int64Input }
    | { target: 'CREATE'; create_revision: Int64Input }
    | { target: 'MOD'; mod_revision: Int64Input }
    | { target: 'VALUE'; value: Uint8Array }
    | { target: 'LEASE'; lease: Int64Input }
  );

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader | null;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision?: Int64Input;
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader | null;
}

// ------------------------------------------------------------------ Watch

export type WatchFilterType = 'NOPUT' | 'NODELETE';

export interface WatchCreateRequest {
  key?: Uint8Array;
  range_end?: Uint8Array;
  start_revision?: Int64Input;
  progress_notify?: boolean;
  filters?: WatchFilterType[];
  prev_kv?: boolean;
  watch_id?: Int64Input;
  fragment?: boolean;
}

export interface WatchCancelRequest {
  watch_id?: Int64Input;
}

export type WatchRequest =
  | { request_union?: 'create_request'; create_request: WatchCreateRequest }
  | { request_union?: 'cancel_request'; cancel_request: WatchCancelRequest }
  | { request_union?: 'progress_request'; progress_request: Record<string, never> };

export interface WatchResponse {
  header: ResponseHeader | null;
  watch_id: Int64;
  created: boolean;
  canceled: boolean;
  compact_revision: Int64;
  cancel_reason: string;
  fragment: boolean;
  events: Event[];
}

// ------------------------------------------------------------------ Lease

export interface LeaseGrantRequest {
  TTL?: Int64Input;
  ID?: Int64Input;
}

export interface LeaseGrantResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  error: string;
}

export interface LeaseRevokeRequest {
  ID?: Int64Input;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader | null;
}

export interface LeaseKeepAliveRequest {
  ID?: Int64Input;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
}

export interface LeaseTimeToLiveRequest {
  ID?: Int64Input;
  keys?: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  grantedTTL: Int64;
  keys: Buffer[];
}

// ------------------------------------------------------------------ Maintenance

export type StatusRequest = Record<string, never>;

export interface StatusResponse {
  header: ResponseHeader | null;
  version: string;
  dbSize: Int64;
  leader: Int64;
  raftIndex: Int64;
  raftTerm: Int64;
  raftAppliedIndex: Int64;
  errors: string[];
  dbSizeInUse: Int64;
  isLearner: boolean;
}
