/**
 * The differential harness's translation layer: both sides' responses (etcd's
 * v3 gRPC messages as @grpc/proto-loader decodes them, and the MVCC store's)
 * to one comparable shape. Requests are encoded by the first-party client's
 * codec (src/client/wire-codec.ts).
 *
 * Never: hide a difference while normalising. Only encodings are unified
 * (bytes as latin1 text, int64 as number); every field etcd returns that the
 * store also models is kept.
 */
import type { CommandResponse } from '../../actors/applier/mvcc/commands.ts';
import type { RequestOp, ResponseOp } from '../../actors/applier/mvcc/requests.ts';
import type { KeyValue } from '../../actors/applier/mvcc/types.ts';

type Proto = Record<string, unknown>;

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
