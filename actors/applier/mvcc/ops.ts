/**
 * Put and DeleteRange inside a WriteTxn, with the state checks etcd 3.4
 * makes before writing (etcdserver/apply.go Put/DeleteRange and
 * checkRequestPut): ignore_value/ignore_lease need the key to exist
 * ("key not found"), a lease must exist ("requested lease not found").
 *
 * Never: write before the checks passed; the check functions are separate so
 * a txn can check its whole chosen path first.
 */
import { MvccError } from './errors.ts';
import { toKeyValue } from './events.ts';
import { toBinary, toKeyRange } from './keys.ts';
import type { KvState } from './kv-state.ts';
import type { DeleteRangeRequest, DeleteRangeResponse, PutRequest, PutResponse } from './requests.ts';
import type { KeyValue, LeaseLookup } from './types.ts';
import type { WriteTxn } from './write-txn.ts';

/** ignore_value / ignore_lease keep the current value / lease, so the key must exist. */
export function checkIgnoreTargetExists(state: KvState, request: PutRequest): void {
  if (request.ignoreValue !== true && request.ignoreLease !== true) return;
  if (state.latestLive(toBinary(request.key)) === null) throw new MvccError('keyNotFound');
}

export function checkLeaseExists(request: PutRequest, leases: LeaseLookup): void {
  const lease = request.lease ?? 0;
  if (lease !== 0 && !leases.exists(lease)) throw new MvccError('leaseNotFound');
}

export function executePut(txn: WriteTxn, request: PutRequest): PutResponse {
  const value = request.ignoreValue === true ? null : toBinary(request.value);
  const lease = request.ignoreLease === true ? null : request.lease ?? 0;
  const previous = txn.put(toBinary(request.key), value, lease);
  return { revision: txn.beginRevision + 1, prevKv: request.prevKv === true && previous !== null ? toKeyValue(previous) : null };
}

export function executeDeleteRange(txn: WriteTxn, state: KvState, request: DeleteRangeRequest): DeleteRangeResponse {
  const range = toKeyRange(request.key, request.rangeEnd);
  const prevKvs: KeyValue[] = [];
  if (request.prevKv === true) {
    state.forEachVisible(range, txn.readRevision, (record) => {
      prevKvs.push(toKeyValue(record));
    });
  }
  const deleted = txn.deleteRange(range);
  return { revision: txn.readRevision, deleted, prevKvs };
}
