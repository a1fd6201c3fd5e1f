/**
 * etcdserverpb.KV: Range, Put, DeleteRange, Txn, Compact on the embedded
 * handle. The embedded API runs etcd's request checks with etcd's errors and
 * decides what needs a Raft round (a read-only txn does not), so this file
 * only translates.
 *
 * Compact's `physical` flag needs no waiting: a compaction is complete in
 * the store once it is applied, before the call is answered.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type * as wire from '../proto/load.ts';
import {
  decodeDeleteRange,
  decodePut,
  decodeRange,
  decodeTxn,
  encodeDeleteRangeResponse,
  encodePutResponse,
  encodeRangeResponse,
  encodeTxnResponse,
} from './kv-codec.ts';
import { int64ToNumber } from './int64.ts';
import type { ServiceContext } from './service-context.ts';
import { unaryHandler } from './unary.ts';

export function kvService({ db, headers, metrics }: ServiceContext): UntypedServiceImplementation {
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, 'etcdserverpb.KV', method, work);
  return {
    Range: unary(
      'Range',
      async (request: wire.RangeRequest): Promise<wire.RangeResponse> =>
        encodeRangeResponse(await db.range({ ...decodeRange(request), serializable: request.serializable ?? false }), headers),
    ),
    Put: unary('Put', async (request: wire.PutRequest): Promise<wire.PutResponse> => {
      const { key, value, ...options } = decodePut(request);
      return encodePutResponse(await db.put(key, value, options), headers);
    }),
    DeleteRange: unary('DeleteRange', async (request: wire.DeleteRangeRequest): Promise<wire.DeleteRangeResponse> => {
      const { key, ...options } = decodeDeleteRange(request);
      return encodeDeleteRangeResponse(await db.delete(key, options), headers);
    }),
    Txn: unary('Txn', async (request: wire.TxnRequest): Promise<wire.TxnResponse> => encodeTxnResponse(await db.txn(decodeTxn(request)), headers)),
    Compact: unary('Compact', async (request: wire.CompactionRequest): Promise<wire.CompactionResponse> => {
      const { revision } = await db.compact(int64ToNumber(request.revision, 'revision'));
      return { header: headers.header(revision) };
    }),
  };
}
