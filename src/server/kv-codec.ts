/**
 * etcd's KV wire messages (as the proto loader decodes them: snake_case
 * names, int64 as decimal strings, enums as names, bytes as Buffer) to the
 * embedded API's request types and back, field for field.
 *
 * Zero values mean what they mean in etcd: an empty range_end is a single
 * key, a zero lease is no lease, a zero limit no limit; they are mapped to
 * absent fields rather than interpreted here. Validation stays in the
 * embedded API (it runs etcd's own checks with etcd's errors).
 *
 * Never: validate or reinterpret requests here beyond the wire.
 */
import type {
  Compare,
  DeleteRangeResponse,
  KeyValue,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  TxnRequest,
  TxnResponse,
} from '../../actors/applier/mvcc/index.ts';
import type { ResponseOp as MvccResponseOp } from '../../actors/applier/mvcc/requests.ts';
import type * as wire from '../proto/load.ts';
import { etcdErrors } from './errors.ts';
import { idToNumber, int64ToNumber } from './int64.ts';
import type { ResponseHeaders } from './response-header.ts';

const EMPTY = new Uint8Array(0);

const bytesOrEmpty = (bytes: Uint8Array | null | undefined): Uint8Array => bytes ?? EMPTY;
/** An empty range_end means "single key": absent in the embedded types. */
const optionalBytes = (bytes: Uint8Array | null | undefined): Uint8Array | undefined =>
  bytes === null || bytes === undefined || bytes.length === 0 ? undefined : bytes;

const sortOrders = { NONE: 'none', ASCEND: 'ascend', DESCEND: 'descend' } as const;
const sortTargets = { KEY: 'key', VERSION: 'version', CREATE: 'create', MOD: 'mod', VALUE: 'value' } as const;
const compareResults = { EQUAL: 'equal', GREATER: 'greater', LESS: 'less', NOT_EQUAL: 'not-equal' } as const;

export function decodeRange(request: wire.RangeRequest): RangeRequest {
  return {
    key: bytesOrEmpty(request.key),
    rangeEnd: optionalBytes(request.range_end),
    limit: int64ToNumber(request.limit, 'limit'),
    revision: int64ToNumber(request.revision, 'revision'),
    sortOrder: sortOrders[request.sort_order ?? 'NONE'],
    sortTarget: sortTargets[request.sort_target ?? 'KEY'],
    keysOnly: request.keys_only ?? false,
    countOnly: request.count_only ?? false,
    minModRevision: int64ToNumber(request.min_mod_revision, 'min_mod_revision'),
    maxModRevision: int64ToNumber(request.max_mod_revision, 'max_mod_revision'),
    minCreateRevision: int64ToNumber(request.min_create_revision, 'min_create_revision'),
    maxCreateRevision: int64ToNumber(request.max_create_revision, 'max_create_revision'),
  };
}

export function decodePut(request: wire.PutRequest) {
  return {
    key: bytesOrEmpty(request.key),
    value: bytesOrEmpty(request.value),
    lease: idToNumber(request.lease, 'lease'),
    prevKv: request.prev_kv ?? false,
    ignoreValue: request.ignore_value ?? false,
    ignoreLease: request.ignore_lease ?? false,
  };
}

export function decodeDeleteRange(request: wire.DeleteRangeRequest) {
  return { key: bytesOrEmpty(request.key), rangeEnd: optionalBytes(request.range_end), prevKv: request.prev_kv ?? false };
}

function decodeCompare(compare: wire.Compare): Compare {
  const base = { key: bytesOrEmpty(compare.key), rangeEnd: optionalBytes(compare.range_end), result: compareResults[compare.result ?? 'EQUAL'] };
  // The `target` enum decides which member of target_union is read; an unset member is its zero value, as in etcd.
  const union = compare as Partial<Record<'version' | 'create_revision' | 'mod_revision' | 'lease', string>> & { value?: Uint8Array };
  switch (compare.target ?? 'VERSION') {
    case 'VERSION':
      return { ...base, target: 'version', version: int64ToNumber(union.version, 'version') };
    case 'CREATE':
      return { ...base, target: 'create', createRevision: int64ToNumber(union.create_revision, 'create_revision') };
    case 'MOD':
      return { ...base, target: 'mod', modRevision: int64ToNumber(union.mod_revision, 'mod_revision') };
    case 'VALUE':
      return { ...base, target: 'value', value: bytesOrEmpty(union.value) };
    case 'LEASE':
      return { ...base, target: 'lease', lease: idToNumber(union.lease, 'lease') };
  }
}

function decodeRequestOp(op: wire.RequestOp): RequestOp {
  if ('request_range' in op && op.request_range) return { type: 'range', ...decodeRange(op.request_range) };
  if ('request_put' in op && op.request_put) return { type: 'put', ...decodePut(op.request_put) };
  if ('request_delete_range' in op && op.request_delete_range) return { type: 'delete-range', ...decodeDeleteRange(op.request_delete_range) };
  if ('request_txn' in op && op.request_txn) return { type: 'txn', ...decodeTxn(op.request_txn) };
  // etcd's checkRequestOp: an op with no request set.
  throw etcdErrors.keyNotFound();
}

export function decodeTxn(request: wire.TxnRequest): TxnRequest {
  return {
    compare: (request.compare ?? []).map(decodeCompare),
    success: (request.success ?? []).map(decodeRequestOp),
    failure: (request.failure ?? []).map(decodeRequestOp),
  };
}

export function encodeKeyValue(kv: KeyValue): wire.KeyValue {
  // Numbers encode exactly (they are safe integers); the declared wire type is the decoded (string) shape.
  return {
    key: kv.key,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: kv.lease,
  } as unknown as wire.KeyValue;
}

const encodeNullableKeyValue = (kv: KeyValue | null): wire.KeyValue | null => (kv === null ? null : encodeKeyValue(kv));

export function encodeRangeResponse(response: RangeResponse, headers: ResponseHeaders): wire.RangeResponse {
  return {
    header: headers.header(response.revision),
    kvs: response.kvs.map(encodeKeyValue),
    more: response.more,
    count: String(response.count),
  };
}

export function encodePutResponse(response: PutResponse, headers: ResponseHeaders): wire.PutResponse {
  return { header: headers.header(response.revision), prev_kv: encodeNullableKeyValue(response.prevKv) };
}

export function encodeDeleteRangeResponse(response: DeleteRangeResponse, headers: ResponseHeaders): wire.DeleteRangeResponse {
  return { header: headers.header(response.revision), deleted: String(response.deleted), prev_kvs: response.prevKvs.map(encodeKeyValue) };
}

function encodeResponseOp(op: MvccResponseOp, headers: ResponseHeaders): wire.ResponseOp {
  switch (op.type) {
    case 'range':
      return { response: 'response_range', response_range: encodeRangeResponse(op, headers) };
    case 'put':
      return { response: 'response_put', response_put: encodePutResponse(op, headers) };
    case 'delete-range':
      return { response: 'response_delete_range', response_delete_range: encodeDeleteRangeResponse(op, headers) };
    case 'txn':
      return { response: 'response_txn', response_txn: encodeTxnResponse(op, headers) };
  }
}

export function encodeTxnResponse(response: TxnResponse, headers: ResponseHeaders): wire.TxnResponse {
  return {
    header: headers.header(response.revision),
    succeeded: response.succeeded,
    responses: response.responses.map((op) => encodeResponseOp(op, headers)),
  };
}
