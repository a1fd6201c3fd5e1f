/**
 * The differential harness's translation layer: MVCC store requests to etcd
 * v3 gRPC messages (as @grpc/proto-loader decodes them with keepCase and
 * numeric longs/enums), and both sides' responses to one comparable shape.
 *
 * Never: hide a difference while normalising. Only encodings are unified
 * (bytes as latin1 text, int64 as number); every field etcd returns that the
 * store also models is kept.
 */
import type { CommandResponse } from '../../actors/applier/mvcc/commands.ts';
import type { Compare, RangeRequest, RequestOp, ResponseOp, TxnRequest } from '../../actors/applier/mvcc/requests.ts';
import type { KeyValue } from '../../actors/applier/mvcc/types.ts';

type Proto = Record<string, unknown>;

const SORT_ORDER = { none: 0, ascend: 1, descend: 2 } as const;
const SORT_TARGET = { key: 0, version: 1, create: 2, mod: 3, value: 4 } as const;
const COMPARE_RESULT = { equal: 0, greater: 1, less: 2, 'not-equal': 3 } as const;
const COMPARE_TARGET = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;

const bytes = (b: Uint8Array | undefined): Buffer => (b === undefined ? Buffer.alloc(0) : Buffer.from(b));

/**
 * range_end only when set: etcd 3.4 decodes a present-but-empty range_end as
 * "every key >= key" (gogo-proto keeps it non-nil), unlike an absent one.
 */
const rangeEnd = (b: Uint8Array | undefined): { range_end?: Buffer } => (b === undefined || b.length === 0 ? {} : { range_end: Buffer.from(b) });

export function rangeToProto(r: RangeRequest): Proto {
  return {
    key: bytes(r.key),
    ...rangeEnd(r.rangeEnd),
    limit: r.limit ?? 0,
    revision: r.revision ?? 0,
    sort_order: SORT_ORDER[r.sortOrder ?? 'none'],
    sort_target: SORT_TARGET[r.sortTarget ?? 'key'],
    keys_only: r.keysOnly ?? false,
    count_only: r.countOnly ?? false,
    min_mod_revision: r.minModRevision ?? 0,
    max_mod_revision: r.maxModRevision ?? 0,
    min_create_revision: r.minCreateRevision ?? 0,
    max_create_revision: r.maxCreateRevision ?? 0,
  };
}

function compareToProto(c: Compare): Proto {
  const base: Proto = { result: COMPARE_RESULT[c.result], target: COMPARE_TARGET[c.target], key: bytes(c.key), ...rangeEnd(c.rangeEnd) };
  switch (c.target) {
    case 'version':
      return { ...base, version: c.version };
    case 'create':
      return { ...base, create_revision: c.createRevision };
    case 'mod':
      return { ...base, mod_revision: c.modRevision };
    case 'value':
      return { ...base, value: bytes(c.value) };
    case 'lease':
      return { ...base, lease: c.lease };
  }
}

export function opToProto(op: RequestOp): Proto {
  switch (op.type) {
    case 'range':
      return { request_range: rangeToProto(op) };
    case 'put':
      return { request_put: { key: bytes(op.key), value: bytes(op.value), lease: op.lease ?? 0, prev_kv: op.prevKv ?? false, ignore_value: op.ignoreValue ?? false, ignore_lease: op.ignoreLease ?? false } };
    case 'delete-range':
      return { request_delete_range: { key: bytes(op.key), ...rangeEnd(op.rangeEnd), prev_kv: op.prevKv ?? false } };
    case 'txn':
      return { request_txn: txnToProto(op) };
  }
}

export function txnToProto(t: TxnRequest): Proto {
  return { compare: t.compare.map(compareToProto), success: t.success.map(opToProto), failure: t.failure.map(opToProto) };
}

/** [key, value, createRevision, modRevision, version, lease], bytes as latin1 text. */
export type KvTuple = [string, string, number, number, number, number];

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

export const kvFromStore = (kv: KeyValue): KvTuple => [latin1(kv.key), latin1(kv.value), kv.createRevision, kv.modRevision, kv.version, kv.lease];

function kvFromProto(kv: Proto): KvTuple {
  return [latin1(kv['key'] as Buffer), latin1(kv['value'] as Buffer), Number(kv['create_revision']), Number(kv['mod_revision']), Number(kv['version']), Number(kv['lease'])];
}

const headerRevision = (m: Proto): number => Number((m['header'] as Proto | null)?.['revision'] ?? 0);

/** One comparable shape for every response kind. */
export type Normal = Record<string, unknown>;

export function normalRangeFromProto(m: Proto): Normal {
  return { revision: headerRevision(m), kvs: (m['kvs'] as Proto[]).map(kvFromProto), count: Number(m['count']), more: m['more'] };
}

export function normalFromProto(kind: RequestOp['type'], m: Proto): Normal {
  switch (kind) {
    case 'range':
      return normalRangeFromProto(m);
    case 'put':
      return { revision: headerRevision(m), prevKv: m['prev_kv'] ? kvFromProto(m['prev_kv'] as Proto) : null };
    case 'delete-range':
      return { revision: headerRevision(m), deleted: Number(m['deleted']), prevKvs: (m['prev_kvs'] as Proto[]).map(kvFromProto) };
    case 'txn':
      return {
        revision: headerRevision(m),
        succeeded: m['succeeded'],
        responses: (m['responses'] as Proto[]).map((r) => {
          const which = r['response'] as string;
          const kind = ({ response_range: 'range', response_put: 'put', response_delete_range: 'delete-range', response_txn: 'txn' } as const)[which as 'response_range'];
          return { type: kind, ...normalFromProto(kind, r[which] as Proto) };
        }),
      };
  }
}

export function normalFromStore(response: CommandResponse | ResponseOp | ({ type: 'range' } & Normal)): Normal {
  switch (response.type) {
    case 'range': {
      const r = response as Extract<ResponseOp, { type: 'range' }>;
      return { revision: r.revision, kvs: r.kvs.map(kvFromStore), count: r.count, more: r.more };
    }
    case 'put':
      return { revision: response.revision, prevKv: response.prevKv === null ? null : kvFromStore(response.prevKv) };
    case 'delete-range':
      return { revision: response.revision, deleted: response.deleted, prevKvs: response.prevKvs.map(kvFromStore) };
    case 'txn':
      return { revision: response.revision, succeeded: response.succeeded, responses: response.responses.map((r) => ({ type: r.type, ...normalFromStore(r) })) };
    default:
      throw new Error(`no etcd counterpart for ${response.type}`);
  }
}
