/**
 * Which half-open string intervals [start, end) contain a point: the index
 * that keeps publish from testing every range watcher against every event.
 *
 * A treap (a binary search tree kept balanced by random priorities) ordered
 * by (start, insertion sequence), each node also holding the largest `end`
 * in its subtree. A point query skips every subtree whose largest end is at
 * or before the point, and every right subtree once starts pass the point,
 * so it costs O(log n + matches) expected. Priorities come from a hash of
 * the insertion sequence, so the shape is the same on every run.
 *
 * Never: hold an empty interval (start >= end), or visit a value twice per query.
 */

interface Node<T> {
  readonly start: string;
  readonly end: string;
  readonly seq: number;
  readonly priority: number;
  readonly value: T;
  left: Node<T> | null;
  right: Node<T> | null;
  maxEnd: string;
}

/** Returned by add; pass it back to remove. */
export interface IntervalHandle {
  readonly start: string;
  readonly seq: number;
}

export class IntervalIndex<T> {
  private root: Node<T> | null = null;
  private count = 0;
  private nextSeq = 0;

  get size(): number {
    return this.count;
  }

  add(start: string, end: string, value: T): IntervalHandle {
    if (!(start < end)) throw new RangeError('IntervalIndex.add: start must be before end');
    const seq = this.nextSeq++;
    const node: Node<T> = { start, end, seq, priority: mix(seq), value, left: null, right: null, maxEnd: end };
    const [less, rest] = split(this.root, start, seq, false);
    this.root = merge(merge(less, node), rest);
    this.count += 1;
    return { start, seq };
  }

  remove(handle: IntervalHandle): void {
    const [less, rest] = split(this.root, handle.start, handle.seq, false);
    const [found, greater] = split(rest, handle.start, handle.seq, true);
    if (found === null || found.left !== null || found.right !== null) {
      throw new Error('IntervalIndex.remove: the interval is not in the index');
    }
    this.root = merge(less, greater);
    this.count -= 1;
  }

  /** Calls visit once for each interval containing point. */
  forEachContaining(point: string, visit: (value: T) => void): void {
    // An explicit stack instead of recursion: no call per node on the hot path.
    const stack: Node<T>[] = [];
    let node = this.root;
    while (node !== null || stack.length > 0) {
      if (node !== null && node.maxEnd > point) {
        stack.push(node);
        node = node.left;
        continue;
      }
      const top = stack.pop();
      if (top === undefined) break;
      // In-order from here on, every start is at least this one: nothing further contains point.
      if (top.start > point) break;
      if (point < top.end) visit(top.value);
      node = top.right;
    }
  }
}

function before(node: Node<unknown>, start: string, seq: number): boolean {
  return node.start < start || (node.start === start && node.seq < seq);
}

/** Splits into (keys before (start, seq) [or at it, when inclusive], the rest). */
function split<T>(node: Node<T> | null, start: string, seq: number, inclusive: boolean): [Node<T> | null, Node<T> | null] {
  if (node === null) return [null, null];
  const goesLeft = before(node, start, seq) || (inclusive && node.start === start && node.seq === seq);
  if (goesLeft) {
    const [middle, right] = split(node.right, start, seq, inclusive);
    node.right = middle;
    refresh(node);
    return [node, right];
  }
  const [left, middle] = split(node.left, start, seq, inclusive);
  node.left = middle;
  refresh(node);
  return [left, node];
}

/** Joins two treaps where every key of `left` precedes every key of `right`. */
function merge<T>(left: Node<T> | null, right: Node<T> | null): Node<T> | null {
  if (left === null) return right;
  if (right === null) return left;
  if (left.priority > right.priority) {
    left.right = merge(left.right, right);
    refresh(left);
    return left;
  }
  right.left = merge(left, right.left);
  refresh(right);
  return right;
}

function refresh(node: Node<unknown>): void {
  let maxEnd = node.end;
  if (node.left !== null && node.left.maxEnd > maxEnd) maxEnd = node.left.maxEnd;
  if (node.right !== null && node.right.maxEnd > maxEnd) maxEnd = node.right.maxEnd;
  node.maxEnd = maxEnd;
}

/** A 32-bit integer hash (splitmix-style finaliser): well-spread priorities from a counter. */
function mix(seq: number): number {
  let z = (seq + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
