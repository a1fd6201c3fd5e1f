/**
 * The embedded API's request and result types to etcd's wire messages and
 * back, for the client side: the mirror image of the server's kv-codec. A
 * request built for the embedded handle goes out field for field, and what
 * comes back is the very shape the embedded handle returns (numbers for
 * revisions and IDs, Uint8Array for bytes, lower-case enum names).
 *
 * int64 values arrive as decimal strings. The embedded types hold them as
 * numbers, so a value beyond 2^53 (a lease ID minted by real etcd, say) is
 * refused with a clear error instead of being rounded into another ID.
 *
 * Never: validate or reinterpret requests here; the server runs etcd's checks
 * and its refusals reach the caller unchanged.
 */
import type {
  ChangeEvent,
  Compare,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  TxnRequest,
  TxnResponse,
} from '../../actors/applier/mvcc/index.ts';
import type { ResponseOp } from '../../actors/applier/mvcc/requests.ts';
import type * as wire from '../proto/load.ts';
import { ConclaveError } from '../embedded/errors.ts';

const EMPTY = new Uint8Array(0);

/**
 * range_end only when set: protobufjs writes a field that is present even
 * when empty, and etcd 3.4 reads a present-but-empty range_end in a Compare
 * as "every key >= key" (its gogo-proto keeps it non-nil), unlike an absent
 * one. Found by the MVCC differential check against real etcd.
 */
const rangeEndField = (rangeEnd: Uint8Array | undefined): { range_end?: Uint8Array } =>
  rangeEnd === undefined || rangeEnd.length === 0 ? {} : { range_end: rangeEnd };

/** A wire int64 (decimal string) as a number; throws when it is not a safe integer. */
export function wireNumber(value: string | number | null | undefined, field: string): number {
  if (value === null || value === undefined || value === '') return 0;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new ConclaveError({
      grpcCode: 11,
      message: `conclave client: ${field} ${String(value)} is beyond 2^53 and cannot be held exactly as a JavaScript number`,
    });
  }
  return number;
}

/** A view on the decoded Buffer's bytes as a plain Uint8Array, as the embedded handle returns (no copy). */
export function plainBytes(bytes: Uint8Array | null | undefined): Uint8Array {
  if (bytes === null || bytes === undefined) return EMPTY;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const sortOrders = { none: 'NONE', ascend: 'ASCEND', descend: 'DESCEND' } as const;
const sortTargets = { key: 'KEY', version: 'VERSION', create: 'CREATE', mod: 'MOD', value: 'VALUE' } as const;
const compareResults = { equal: 'EQUAL', greater: 'GREATER', less: 'LESS', 'not-equal': 'NOT_EQUAL' } as const;

export function encodeRange(request: RangeRequest & { readonly serializable?: boolean }): wire.RangeRequest {
  return {
    key: request.key,
    ...rangeEndField(request.rangeEnd),
    limit: request.limit ?? 0,
    revision: request.revision ?? 0,
    sort_order: sortOrders[request.sortOrder ?? 'none'],
    sort_target: sortTargets[request.sortTarget ?? 'key'],
    serializable: request.serializable ?? false,
    keys_only: request.keysOnly ?? false,
    count_only: request.countOnly ?? false,
    min_mod_revision: request.minModRevision ?? 0,
    max_mod_revision: request.maxModRevision ?? 0,
    min_create_revision: request.minCreateRevision ?? 0,
    max_create_revision: request.maxCreateRevision ?? 0,
  };
}

export function encodePut(request: PutRequest): wire.PutRequest {
  return {
    key: request.key,
    value: request.value,
    lease: request.lease ?? 0,
    prev_kv: request.prevKv ?? false,
    ignore_value: request.ignoreValue ?? false,
    ignore_lease: request.ignoreLease ?? false,
  };
}

export function encodeDeleteRange(request: { key: Uint8Array; rangeEnd?: Uint8Array; prevKv?: boolean }): wire.DeleteRangeRequest {
  return { key: request.key, ...rangeEndField(request.rangeEnd), prev_kv: request.prevKv ?? false };
}

function encodeCompare(compare: Compare): wire.Compare {
  const base = { key: compare.key, ...rangeEndField(compare.rangeEnd), result: compareResults[compare.result] };
  switch (compare.target) {
    case 'version':
      return { ...base, target: 'VERSION', version: compare.version };
    case 'create':
      return { ...base, target: 'CREATE', create_revision: compare.createRevision };
    case 'mod':
      return { ...base, target: 'MOD', mod_revision: compare.modRevision };
    case 'value':
      return { ...base, target: 'VALUE', value: compare.value };
    case 'lease':
      return { ...base, target: 'LEASE', lease: compare.lease };
  }
}

export function encodeRequestOp(op: RequestOp): wire.RequestOp {
  switch (op.type) {
    case 'range':
      return { request_range: encodeRange(op) };
    case 'put':
      return { request_put: encodePut(op) };
    case 'delete-range':
      return { request_delete_range: encodeDeleteRange(op) };
    case 'txn':
      return { request_txn: encodeTxn(op) };
  }
}

export function encodeTxn(request: TxnRequest): wire.TxnRequest {
  return {
    compare: request.compare.map(encodeCompare),
    success: request.success.map(encodeRequestOp),
    failure: request.failure.map(encodeRequestOp),
  };
}

export function decodeKeyValue(kv: wire.KeyValue): KeyValue {
  return {
    key: plainBytes(kv.key),
    createRevision: wireNumber(kv.create_revision, 'create_revision'),
    modRevision: wireNumber(kv.mod_revision, 'mod_revision'),
    version: wireNumber(kv.version, 'version'),
    value: plainBytes(kv.value),
    lease: wireNumber(kv.lease, 'lease'),
  };
}

const decodeNullableKeyValue = (kv: wire.KeyValue | null | undefined): KeyValue | null => (kv ? decodeKeyValue(kv) : null);

/** The header revision every KV response carries (etcd always sets the header). */
export function headerRevision(header: wire.ResponseHeader | null): number {
  if (header === null) throw new Error('conclave client: the server sent a response without a header');
  return wireNumber(header.revision, 'header.revision');
}

export function decodeRangeResponse(response: wire.RangeResponse): RangeResponse {
  return {
    revision: headerRevision(response.header),
    kvs: response.kvs.map(decodeKeyValue),
    more: response.more,
    count: wireNumber(response.count, 'count'),
  };
}

export function decodePutResponse(response: wire.PutResponse): PutResponse {
  return { revision: headerRevision(response.header), prevKv: decodeNullableKeyValue(response.prev_kv) };
}

export function decodeDeleteRangeResponse(response: wire.DeleteRangeResponse): DeleteRangeResponse {
  return {
    revision: headerRevision(response.header),
    deleted: wireNumber(response.deleted, 'deleted'),
    prevKvs: response.prev_kvs.map(decodeKeyValue),
  };
}

function decodeResponseOp(op: wire.ResponseOp): ResponseOp {
  switch (op.response) {
    case 'response_range':
      return { type: 'range', ...decodeRangeResponse(op.response_range) };
    case 'response_put':
      return { type: 'put', ...decodePutResponse(op.response_put) };
    case 'response_delete_range':
      return { type: 'delete-range', ...decodeDeleteRangeResponse(op.response_delete_range) };
    case 'response_txn':
      return { type: 'txn', ...decodeTxnResponse(op.response_txn) };
  }
}

export function decodeTxnResponse(response: wire.TxnResponse): TxnResponse {
  return {
    revision: headerRevision(response.header),
    succeeded: response.succeeded,
    responses: response.responses.map(decodeResponseOp),
  };
}

/** A watch event; a delete carries only key and modRevision, as the embedded hub delivers it. */
export function decodeEvent(event: wire.Event): ChangeEvent {
  if (event.kv === null) throw new Error('conclave client: the server sent a watch event without a kv');
  return {
    type: event.type === 'PUT' ? 'put' : 'delete',
    kv: decodeKeyValue(event.kv),
    prevKv: decodeNullableKeyValue(event.prev_kv),
  };
}
