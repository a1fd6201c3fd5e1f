/**
 * Stateless request checks, as etcd 3.4's gRPC KV server makes them before a
 * request reaches Raft (etcdserver/api/v3rpc/key.go), with etcd's errors.
 * Frontends call `validateRequest` with their configured limits; the store
 * calls it again at apply time with `APPLY_LIMITS` (no op-count limit),
 * because the op-count limit is member configuration and a replicated state
 * machine must not decide by a member's own flags.
 *
 * etcd quirk kept on purpose (clients may rely on it): the duplicate-key
 * check treats a delete's range_end literally, so a "from key" delete
 * (range_end "\0") never conflicts with a put in the same txn.
 *
 * Never: look at store state here (that belongs to the store's own checks).
 */
import { MvccError } from './errors.ts';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './requests.ts';
import { toBinary } from './keys.ts';

export interface RequestLimits {
  /** etcd --max-txn-ops: most compares, and most ops per branch, in one txn. */
  readonly maxTxnOps: number;
  /** etcd --max-request-bytes: largest encoded request accepted. */
  readonly maxRequestBytes: number;
}

/** etcd 3.4's defaults. */
export const ETCD_DEFAULT_LIMITS: RequestLimits = { maxTxnOps: 128, maxRequestBytes: 1_572_864 };

/** The config-independent subset checked again when a command is applied. */
export const APPLY_LIMITS: RequestLimits = { maxTxnOps: Number.POSITIVE_INFINITY, maxRequestBytes: Number.POSITIVE_INFINITY };

export function checkRequestSize(encodedBytes: number, limits: RequestLimits): void {
  if (encodedBytes > limits.maxRequestBytes) throw new MvccError('requestTooLarge');
}

export function checkRangeRequest(request: RangeRequest): void {
  if (request.key.length === 0) throw new MvccError('emptyKey');
}

function checkPutRequest(request: PutRequest): void {
  if (request.key.length === 0) throw new MvccError('emptyKey');
  if (request.ignoreValue === true && request.value.length !== 0) throw new MvccError('valueProvided');
  const lease = request.lease ?? 0;
  if (!Number.isSafeInteger(lease)) throw new TypeError(`lease must be a safe integer, got ${lease}`);
  if (request.ignoreLease === true && lease !== 0) throw new MvccError('leaseProvided');
}

function checkDeleteRangeRequest(request: DeleteRangeRequest): void {
  if (request.key.length === 0) throw new MvccError('emptyKey');
}

/** Structure checks of a txn and its nested txns (etcd's checkTxnRequest). */
function checkTxnRequest(request: TxnRequest, maxTxnOps: number): void {
  const opCount = Math.max(request.compare.length, request.success.length, request.failure.length);
  if (opCount > maxTxnOps) throw new MvccError('tooManyOps');
  for (const compare of request.compare) {
    if (compare.key.length === 0) throw new MvccError('emptyKey');
  }
  // etcd gives nested txns only the ops the parent left over.
  for (const op of request.success) checkRequestOp(op, maxTxnOps - opCount);
  for (const op of request.failure) checkRequestOp(op, maxTxnOps - opCount);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  switch (op.type) {
    case 'range':
      return checkRangeRequest(op);
    case 'put':
      return checkPutRequest(op);
    case 'delete-range':
      return checkDeleteRangeRequest(op);
    case 'txn':
      return checkTxnRequest(op, maxTxnOps);
    default:
      // An op of no known kind is etcd's "empty RequestOp".
      throw new MvccError('keyNotFound');
  }
}

/** A delete as etcd's overlap check sees it: a point, or [key, rangeEnd) taken literally. */
interface DeleteInterval {
  readonly key: string;
  readonly rangeEnd: string | null;
}

function deleteCovers(del: DeleteInterval, key: string): boolean {
  return del.rangeEnd === null ? key === del.key : del.key <= key && key < del.rangeEnd;
}

interface Writes {
  readonly puts: Set<string>;
  readonly dels: DeleteInterval[];
}

/**
 * etcd's checkIntervals: a txn may not put a key twice, nor put a key one of
 * its deletes covers, across nested txns (then/else of one nested txn may
 * both put the same key: only one of them runs). Returns this level's writes.
 */
function checkWrites(ops: readonly RequestOp[]): Writes {
  const dels: DeleteInterval[] = [];
  for (const op of ops) {
    if (op.type !== 'delete-range') continue;
    const rangeEnd = op.rangeEnd === undefined || op.rangeEnd.length === 0 ? null : toBinary(op.rangeEnd);
    dels.push({ key: toBinary(op.key), rangeEnd });
  }
  const covered = (key: string): boolean => dels.some((del) => deleteCovers(del, key));
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'txn') continue;
    const then = checkWrites(op.success);
    const otherwise = checkWrites(op.failure);
    for (const key of then.puts) {
      if (puts.has(key) || covered(key)) throw new MvccError('duplicateKey');
      puts.add(key);
    }
    for (const key of otherwise.puts) {
      if ((puts.has(key) && !then.puts.has(key)) || covered(key)) throw new MvccError('duplicateKey');
      puts.add(key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (op.type !== 'put') continue;
    const key = toBinary(op.key);
    if (puts.has(key) || covered(key)) throw new MvccError('duplicateKey');
    puts.add(key);
  }
  return { puts, dels };
}

function checkTxnWrites(request: TxnRequest): void {
  checkWrites(request.success);
  checkWrites(request.failure);
}

/** Every stateless check etcd makes on a KV request, in etcd's order. Throws MvccError. */
export function validateRequest(request: RequestOp, limits: RequestLimits): void {
  switch (request.type) {
    case 'range':
      return checkRangeRequest(request);
    case 'put':
      return checkPutRequest(request);
    case 'delete-range':
      return checkDeleteRangeRequest(request);
    case 'txn':
      checkTxnRequest(request, limits.maxTxnOps);
      // etcd checks overlaps only after the cheap checks (avoids quadratic work on bad input).
      return checkTxnWrites(request);
    default:
      throw new MvccError('keyNotFound');
  }
}

/** True when the txn (with its nested txns) only reads: such a txn needs no Raft round in etcd. */
export function isReadOnlyTxn(request: TxnRequest): boolean {
  const readOnly = (ops: readonly RequestOp[]): boolean =>
    ops.every((op) => op.type === 'range' || (op.type === 'txn' && isReadOnlyTxn(op)));
  return readOnly(request.success) && readOnly(request.failure);
}
