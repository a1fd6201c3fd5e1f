/**
 * The KV requests and responses of the MVCC store, named after etcd's
 * etcdserverpb messages (RangeRequest, PutRequest, DeleteRangeRequest,
 * Compare, TxnRequest) so the gRPC layer maps them field for field.
 *
 * Everything here is plain data (objects, numbers, booleans, Uint8Array) so
 * that requests can travel through the Raft log and thread rings as msgpackr
 * frames. Optional fields mean what etcd's zero value means: absent rangeEnd
 * is a single key, absent lease is no lease, absent limit is no limit.
 */
import type { KeyValue } from './types.ts';

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeRequest {
  readonly key: Uint8Array;
  /** Absent/empty: the single key. A single zero byte: every key >= key. Otherwise [key, rangeEnd). */
  readonly rangeEnd?: Uint8Array;
  /** At most this many kvs; <= 0 means no limit. */
  readonly limit?: number;
  /** Read at this revision; <= 0 means the current one. */
  readonly revision?: number;
  readonly sortOrder?: SortOrder;
  readonly sortTarget?: SortTarget;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  /** Filters; 0 means unset (etcd applies each only when non-zero). */
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface RangeResponse {
  /** The store's revision when the read ran (not the requested `revision`), as etcd's header. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  /** True when `limit` cut the result short. */
  readonly more: boolean;
  /** Keys in the range at the read revision, before limit and before the min/max filters (as etcd). */
  readonly count: number;
}

export interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Lease to attach; 0/absent: none. */
  readonly lease?: number;
  readonly prevKv?: boolean;
  /** Keep the current value (value must be empty; the key must exist). */
  readonly ignoreValue?: boolean;
  /** Keep the current lease (lease must be 0; the key must exist). */
  readonly ignoreLease?: boolean;
}

export interface PutResponse {
  readonly revision: number;
  readonly prevKv: KeyValue | null;
}

export interface DeleteRangeRequest {
  readonly key: Uint8Array;
  /** Same meaning as RangeRequest.rangeEnd. */
  readonly rangeEnd?: Uint8Array;
  readonly prevKv?: boolean;
}

export interface DeleteRangeResponse {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

export type CompareResult = 'equal' | 'greater' | 'less' | 'not-equal';

interface CompareBase {
  readonly key: Uint8Array;
  /** Same meaning as RangeRequest.rangeEnd: the compare must hold for every key in the range. */
  readonly rangeEnd?: Uint8Array;
  readonly result: CompareResult;
}

export type Compare = CompareBase &
  (
    | { readonly target: 'version'; readonly version: number }
    | { readonly target: 'create'; readonly createRevision: number }
    | { readonly target: 'mod'; readonly modRevision: number }
    | { readonly target: 'value'; readonly value: Uint8Array }
    | { readonly target: 'lease'; readonly lease: number }
  );

export interface RangeOp extends RangeRequest {
  readonly type: 'range';
}
export interface PutOp extends PutRequest {
  readonly type: 'put';
}
export interface DeleteRangeOp extends DeleteRangeRequest {
  readonly type: 'delete-range';
}
export interface TxnOp extends TxnRequest {
  readonly type: 'txn';
}

export type RequestOp = RangeOp | PutOp | DeleteRangeOp | TxnOp;

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

export interface TxnResponse {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOp[];
}

export type ResponseOp =
  | ({ readonly type: 'range' } & RangeResponse)
  | ({ readonly type: 'put' } & PutResponse)
  | ({ readonly type: 'delete-range' } & DeleteRangeResponse)
  | ({ readonly type: 'txn' } & TxnResponse);
