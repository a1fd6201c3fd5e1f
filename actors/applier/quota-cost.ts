/**
 * The backend quota's arithmetic, with etcd 3.4's estimates
 * (etcdserver/quota.go): a key revision costs 256 bytes of metadata plus its
 * key and value, a lease 64 bytes. The same figures measure the store
 * (backend-size.ts) and price a request, so "size + cost" is what the store
 * would hold after the request.
 *
 * A request that costs nothing (a delete, a compaction, a txn without puts)
 * never counts against the quota and is never refused by the NOSPACE alarm:
 * those are how an operator frees space.
 *
 * Differs from etcd 3.4 on purpose: puts inside a nested txn count (etcd's
 * cost ignores them, so a nested txn slipped past its NOSPACE alarm).
 */
import type { PutRequest, RequestOp } from './mvcc/index.ts';
import type { MemberCommand } from '../member/commands.ts';

/** etcd's kvOverhead: the metadata of one key revision. */
export const KV_OVERHEAD_BYTES = 256;
/** etcd's leaseOverhead: one lease. */
export const LEASE_OVERHEAD_BYTES = 64;

/** etcd's ErrGRPCNoSpace, word for word (codes.ResourceExhausted). */
export const noSpaceRefusal = { grpcCode: 8, message: 'etcdserver: mvcc: database space exceeded' } as const;

export function putCostBytes(request: Pick<PutRequest, 'key' | 'value'>): number {
  return KV_OVERHEAD_BYTES + request.key.byteLength + request.value.byteLength;
}

function opsCostBytes(ops: readonly RequestOp[]): number {
  let total = 0;
  for (const op of ops) {
    if (op.type === 'put') total += putCostBytes(op);
    else if (op.type === 'txn') total += Math.max(opsCostBytes(op.success), opsCostBytes(op.failure));
  }
  return total;
}

/** What `command` may add to the store, in quota bytes; 0 for commands that add nothing. */
export function quotaCostBytes(command: MemberCommand): number {
  switch (command.type) {
    case 'put':
      return putCostBytes(command);
    case 'txn':
      // Only one branch runs: the dearer one bounds what the txn adds.
      return Math.max(opsCostBytes(command.success), opsCostBytes(command.failure));
    case 'lease-grant':
      return LEASE_OVERHEAD_BYTES;
    default:
      return 0;
  }
}
