/**
 * The Wing–Gong search for one partition of a history, with the memoisation
 * of Lowe / Porcupine: the pair (set of linearized operations, model state)
 * is remembered, and reaching a pair twice prunes the branch, because what
 * can follow depends on nothing else.
 *
 * Call and return events sit in one doubly linked list in time order. The
 * search walks it from the front: at a call it tries to linearize that
 * operation now (lifting both its events out of the list); at a return it
 * has met an operation that had to be linearized already, so it backtracks.
 * Lifted events keep their own links, so putting them back in reverse order
 * restores the list exactly (dancing links).
 *
 * Must never loop without bound: every iteration counts against the step
 * budget, and the wall clock is looked at every few thousand steps.
 */
import { Bitset } from './bitset.ts';
import { ILLEGAL } from './types.ts';
import type { Model, Operation, PartitionResult } from './types.ts';

interface Event {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

interface Frame<State> {
  readonly call: Event;
  readonly stateBefore: State;
}

export interface SearchLimits {
  readonly maxSteps: number;
  /** `performance.now()` value after which the search gives up. */
  readonly deadline: number;
}

const CLOCK_CHECK_EVERY_STEPS = 4096;

/** Builds the event list: times ascending; at equal times calls first (the two operations count as concurrent). */
function buildEventList<Input, Output>(operations: readonly Operation<Input, Output>[]): Event {
  const events: Event[] = [];
  operations.forEach((operation, op) => {
    const returnAt = operation.response === null ? Number.POSITIVE_INFINITY : operation.response.returnAt;
    if (!(returnAt >= operation.callAt)) {
      throw new RangeError(`operation ${op} returns (${returnAt}) before it is called (${operation.callAt})`);
    }
    const call: Event = { op, isCall: true, time: operation.callAt, match: null, prev: null, next: null };
    const ret: Event = { op, isCall: false, time: returnAt, match: call, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: Event = { op: -1, isCall: false, time: Number.NEGATIVE_INFINITY, match: null, prev: null, next: null };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

function lift(call: Event): void {
  const ret = call.match!;
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

function unlift(call: Event): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

/** Remembers (linearized set, state) pairs already explored. */
class MemoTable {
  private readonly buckets = new Map<number, { bits: Bitset; stateKey: string }[]>();

  /** Adds the pair; false if it was already there. */
  add(bits: Bitset, stateKey: string): boolean {
    let h = bits.hash();
    for (let i = 0; i < stateKey.length; i++) h = Math.imul(h ^ stateKey.charCodeAt(i), 0x01000193);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) {
      this.buckets.set(h, [{ bits: bits.clone(), stateKey }]);
      return true;
    }
    for (const seen of bucket) {
      if (seen.stateKey === stateKey && seen.bits.equals(bits)) return false;
    }
    bucket.push({ bits: bits.clone(), stateKey });
    return true;
  }
}

export function searchPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  label: string,
  operations: readonly Operation<Input, Output>[],
  limits: SearchLimits,
): PartitionResult<Input, Output> {
  const head = buildEventList(operations);
  const linearized = new Bitset(operations.length);
  const memo = new MemoTable();
  const stack: Frame<State>[] = [];
  let state = model.init();
  let steps = 0;
  let longest: number[] = [];
  let blockedBy: number | null = null;
  const result = (verdict: 'ok' | 'illegal' | 'unknown'): PartitionResult<Input, Output> => ({
    label,
    verdict,
    operationCount: operations.length,
    steps,
    longestLinearization: verdict === 'illegal' ? longest.map((op) => operations[op]!) : [],
    blockedBy: verdict === 'illegal' && blockedBy !== null ? operations[blockedBy]! : null,
  });

  let event = head.next;
  while (event !== null) {
    steps++;
    if (steps > limits.maxSteps) return result('unknown');
    if (steps % CLOCK_CHECK_EVERY_STEPS === 0 && performance.now() > limits.deadline) return result('unknown');
    if (event.isCall) {
      const operation = operations[event.op]!;
      const next = model.step(state, operation.input, operation.response === null ? null : operation.response.output);
      if (next !== ILLEGAL) {
        linearized.set(event.op);
        if (memo.add(linearized, model.stateKey(next))) {
          stack.push({ call: event, stateBefore: state });
          state = next;
          lift(event);
          if (stack.length > longest.length) {
            longest = stack.map((frame) => frame.call.op);
            blockedBy = null;
          }
          event = head.next;
          continue;
        }
        linearized.clear(event.op);
      }
      event = event.next;
      continue;
    }
    // A return met before its call was linearized: this prefix cannot be extended.
    if (stack.length === longest.length && blockedBy === null) blockedBy = event.op;
    const frame = stack.pop();
    if (frame === undefined) return result('illegal');
    state = frame.stateBefore;
    linearized.clear(frame.call.op);
    unlift(frame.call);
    event = frame.call.next;
  }
  if (stack.length !== operations.length) throw new Error(`search ended with ${stack.length} of ${operations.length} operations linearized`);
  return result('ok');
}
