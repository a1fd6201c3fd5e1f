/**
 * Finds the watchers interested in one key without looking at the others:
 * single-key watchers in a hash map by key, range watchers (ranges,
 * prefixes, from-key) in an interval index. Publishing an event to one of
 * 10,000 watchers on distinct keys is one map lookup and one tree descent.
 *
 * Never: hold a watcher twice, or lose one (remove throws on an unknown one).
 */

import type { KeyRange } from './key-range.ts';
import type { IntervalHandle } from './interval-index.ts';
import { IntervalIndex } from './interval-index.ts';

export class WatcherIndex<W> {
  private readonly byKey = new Map<string, Set<W>>();
  private readonly ranges = new IntervalIndex<W>();
  private readonly rangeHandles = new Map<W, IntervalHandle>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(watcher: W, range: KeyRange): void {
    if (range.end === null) {
      let set = this.byKey.get(range.start);
      if (set === undefined) {
        set = new Set();
        this.byKey.set(range.start, set);
      }
      if (set.has(watcher)) throw new Error('WatcherIndex.add: watcher already indexed');
      set.add(watcher);
    } else {
      if (this.rangeHandles.has(watcher)) throw new Error('WatcherIndex.add: watcher already indexed');
      this.rangeHandles.set(watcher, this.ranges.add(range.start, range.end, watcher));
    }
    this.count += 1;
  }

  remove(watcher: W, range: KeyRange): void {
    if (range.end === null) {
      const set = this.byKey.get(range.start);
      if (set === undefined || !set.delete(watcher)) throw new Error('WatcherIndex.remove: watcher not indexed');
      if (set.size === 0) this.byKey.delete(range.start);
    } else {
      const handle = this.rangeHandles.get(watcher);
      if (handle === undefined) throw new Error('WatcherIndex.remove: watcher not indexed');
      this.ranges.remove(handle);
      this.rangeHandles.delete(watcher);
    }
    this.count -= 1;
  }

  forEachMatch(key: string, visit: (watcher: W) => void): void {
    const exact = this.byKey.get(key);
    if (exact !== undefined) for (const watcher of exact) visit(watcher);
    if (this.rangeHandles.size > 0) this.ranges.forEachContaining(key, visit);
  }
}
