/**
 * etcd 3.4's Txn (etcdserver/apply.go Txn): every compare, nested ones
 * included, is evaluated against the state before the txn runs; then the
 * chosen path's puts are checked (key exists for ignore_*, lease exists),
 * then its ranges (revision neither future nor compacted); only then does
 * anything change, all of it in one revision.
 *
 * Never: evaluate a nested compare after the outer ops ran (that would see
 * the txn's own writes, which etcd does not).
 */
import { compareHolds } from './compare.ts';
import { MvccError } from './errors.ts';
import { rangeContains, toBinary, toKeyRange, type KeyRange } from './keys.ts';
import type { KvState } from './kv-state.ts';
import { checkIgnoreTargetExists, checkLeaseExists, executeDeleteRange, executePut } from './ops.ts';
import { readRange, resolveReadRevision } from './read.ts';
import type { RequestOp, ResponseOp, TxnRequest, TxnResponse } from './requests.ts';
import type { LeaseLookup } from './types.ts';
import type { WriteTxn } from './write-txn.ts';

/** The branch each txn (outer and nested) takes, decided up front. */
interface TxnPlan {
  readonly succeeded: boolean;
  readonly ops: readonly RequestOp[];
  /** For each op of the branch: its plan when it is a nested txn. */
  readonly nested: ReadonlyArray<TxnPlan | null>;
}

export function planTxn(state: KvState, request: TxnRequest): TxnPlan {
  const revision = state.currentRevision;
  const succeeded = request.compare.every((compare) => compareHolds(state, compare, revision));
  const ops = succeeded ? request.success : request.failure;
  return { succeeded, ops, nested: ops.map((op) => (op.type === 'txn' ? planTxn(state, op) : null)) };
}

function forEachPlannedOp(plan: TxnPlan, visit: (op: RequestOp) => void): void {
  plan.ops.forEach((op, i) => {
    const nested = plan.nested[i];
    if (nested) forEachPlannedOp(nested, visit);
    else visit(op);
  });
}

/**
 * etcd's order: every put of the path first, then every range. Throws
 * MvccError. One rule beyond etcd: an ignore_* put whose key an earlier op
 * of the same txn deletes (only a "from key" delete can, see validate.ts) is
 * refused with "key not found" here, before any write; etcd 3.4 panics on it.
 */
export function checkPlan(state: KvState, plan: TxnPlan, leases: LeaseLookup): void {
  const deletedSoFar: KeyRange[] = [];
  forEachPlannedOp(plan, (op) => {
    if (op.type === 'delete-range') deletedSoFar.push(toKeyRange(op.key, op.rangeEnd));
    if (op.type !== 'put') return;
    checkIgnoreTargetExists(state, op);
    const ignoring = op.ignoreValue === true || op.ignoreLease === true;
    if (ignoring && deletedSoFar.some((range) => rangeContains(range, toBinary(op.key)))) throw new MvccError('keyNotFound');
    checkLeaseExists(op, leases);
  });
  forEachPlannedOp(plan, (op) => {
    if (op.type === 'range') resolveReadRevision(state, op.revision ?? 0, state.currentRevision);
  });
}

/** Runs a checked plan inside `txn`; returns the responses of its branch. */
export function executePlan(txn: WriteTxn, state: KvState, plan: TxnPlan): ResponseOp[] {
  return plan.ops.map((op, i): ResponseOp => {
    switch (op.type) {
      case 'range':
        return { type: 'range', ...readRange(state, op, txn.readRevision) };
      case 'put':
        return { type: 'put', ...executePut(txn, op) };
      case 'delete-range':
        return { type: 'delete-range', ...executeDeleteRange(txn, state, op) };
      case 'txn': {
        const nested = plan.nested[i];
        if (!nested) throw new Error('mvcc invariant: nested txn without a plan');
        return { type: 'txn', ...nestedResponse(txn, state, nested) };
      }
    }
  });
}

/** etcd 3.4 never fills a nested txn response's header: its revision is 0. */
function nestedResponse(txn: WriteTxn, state: KvState, plan: TxnPlan): TxnResponse {
  return { revision: 0, succeeded: plan.succeeded, responses: executePlan(txn, state, plan) };
}
