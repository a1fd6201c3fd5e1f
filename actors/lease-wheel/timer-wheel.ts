/**
 * A hierarchical timing wheel: thousands of deadlines armed, re-armed and
 * cancelled in O(1), and fired in deadline order as an injected clock moves.
 *
 * Why a wheel and not a heap: leases are re-armed on every keepalive, so the
 * common operation is "move this deadline", which a wheel does in O(1)
 * (remove from one slot set, add to another) where a heap pays O(log n).
 *
 * Shape: LEVEL_COUNT levels of SLOTS_PER_LEVEL slots. Time is counted in
 * ticks of `tickMs`. A timer sits on the lowest level where its deadline tick
 * and the current tick share every digit above that level (base 64), in the
 * slot named by the deadline's digit at that level. When the clock reaches
 * the start of a higher-level slot, that slot's timers cascade down to finer
 * levels; a level-0 slot that comes due fires. Deadlines too far out for the
 * top level (2^36 ticks: 218 years of 100 ms ticks) wait in an overflow set,
 * re-sorted when the clock enters the top-level rotation of the earliest one.
 *
 * Invariant (checked by the tests through behaviour): every occupied slot of
 * level l lies strictly ahead of the current tick's digit at level l, inside
 * the current rotation of level l+1. That is what lets `advanceTo` jump
 * straight to the next occupied slot instead of walking every tick, so a
 * clock that leaps a year costs as much as one that moves one tick.
 *
 * Never: read a clock itself (time only moves through `advanceTo`), fire a
 * timer before its deadline (deadlines round up to the next tick), or let
 * time go backwards.
 */

const SLOT_BITS = 6;
const SLOTS_PER_LEVEL = 1 << SLOT_BITS;
const LEVEL_COUNT = 6;
/** Ticks spanned by one slot of each level, and one rotation of the top level. */
const LEVEL_SPAN_TICKS: readonly number[] = Array.from({ length: LEVEL_COUNT + 1 }, (_, level) => SLOTS_PER_LEVEL ** level);
const OVERFLOW = LEVEL_COUNT;
const DUE = -1;

/** An armed timer. Opaque to callers: pass it back to cancel or reschedule. */
export interface TimerHandle<T> {
  readonly item: T;
}

interface Entry<T> extends TimerHandle<T> {
  deadlineTick: number;
  /** DUE, a level 0..LEVEL_COUNT-1, or OVERFLOW. */
  level: number;
  slot: number;
  container: Set<Entry<T>> | null;
}

export interface TimerWheelOptions {
  /** Resolution: deadlines round up to a multiple of this. */
  readonly tickMs: number;
  /** The clock reading the wheel starts at. */
  readonly startMs: number;
}

export class TimerWheel<T> {
  readonly tickMs: number;
  private currentTick: number;
  private currentMs: number;
  private readonly slots: (Set<Entry<T>> | undefined)[] = new Array(LEVEL_COUNT * SLOTS_PER_LEVEL);
  /** Two 32-bit occupancy words per level, so the next occupied slot is found with clz32. */
  private readonly occupied = new Uint32Array(LEVEL_COUNT * 2);
  private readonly due = new Set<Entry<T>>();
  private readonly overflow = new Set<Entry<T>>();
  /** Start of the top-level rotation holding the earliest overflow deadline (stale-low after a cancel, never high). */
  private overflowRotationTick = Infinity;
  private timerCount = 0;

  constructor(options: TimerWheelOptions) {
    if (!Number.isSafeInteger(options.tickMs) || options.tickMs <= 0) {
      throw new RangeError(`TimerWheel: tickMs must be a positive integer, got ${options.tickMs}`);
    }
    assertTime(options.startMs, 'startMs');
    this.tickMs = options.tickMs;
    this.currentMs = options.startMs;
    this.currentTick = Math.floor(options.startMs / options.tickMs);
  }

  /** The clock reading of the last advanceTo (or the start). */
  get nowMs(): number {
    return this.currentMs;
  }

  /** Armed timers. */
  get size(): number {
    return this.timerCount;
  }

  /** Arms a timer that fires at the first advanceTo(t) with t >= deadlineMs. */
  schedule(item: T, deadlineMs: number): TimerHandle<T> {
    assertTime(deadlineMs, 'deadlineMs');
    const entry: Entry<T> = { item, deadlineTick: this.toDeadlineTick(deadlineMs), level: DUE, slot: 0, container: null };
    this.place(entry);
    this.timerCount += 1;
    return entry;
  }

  /** Moves an armed timer to a new deadline, keeping its handle. */
  reschedule(handle: TimerHandle<T>, deadlineMs: number): void {
    assertTime(deadlineMs, 'deadlineMs');
    const entry = handle as Entry<T>;
    if (entry.container === null) throw new Error('TimerWheel.reschedule: the timer already fired or was cancelled');
    this.unlink(entry);
    entry.deadlineTick = this.toDeadlineTick(deadlineMs);
    this.place(entry);
  }

  /** Disarms a timer; false when it already fired or was cancelled. */
  cancel(handle: TimerHandle<T>): boolean {
    const entry = handle as Entry<T>;
    if (entry.container === null) return false;
    this.unlink(entry);
    this.timerCount -= 1;
    return true;
  }

  /**
   * Moves the clock to `nowMs` and returns the items whose deadline has
   * passed, earliest tick first. Cost: O(fired + cascaded), independent of
   * how far the clock moved.
   */
  advanceTo(nowMs: number): T[] {
    assertTime(nowMs, 'nowMs');
    if (nowMs < this.currentMs) {
      throw new RangeError(`TimerWheel.advanceTo: time went backwards (${nowMs} < ${this.currentMs})`);
    }
    const targetTick = Math.floor(nowMs / this.tickMs);
    const fired: T[] = [];
    this.drainDue(fired);
    // Each step empties one slot or the overflow set; an entry descends at
    // most LEVEL_COUNT + 1 times, and a stale overflow step (after a cancel)
    // is always followed by an exact one. A correct wheel never reaches this
    // bound; it turns a logic error into an exception instead of a hang.
    let stepsLeft = (this.timerCount + 1) * 2 * (LEVEL_COUNT + 2);
    for (let next = this.nextBoundaryTick(); next <= targetTick; next = this.nextBoundaryTick()) {
      if (--stepsLeft < 0) throw new Error('TimerWheel.advanceTo: cascade did not converge');
      this.currentTick = next;
      this.cascadeAt(next);
      this.drainDue(fired);
    }
    this.currentTick = targetTick;
    this.currentMs = nowMs;
    this.timerCount -= fired.length;
    return fired;
  }

  /**
   * The earliest clock reading at which advanceTo may have work to do (a
   * timer due or a cascade), or null when nothing is armed. A shell uses it
   * to sleep exactly as long as it may.
   */
  nextWakeMs(): number | null {
    if (this.due.size > 0) return this.currentMs;
    const tick = this.nextBoundaryTick();
    return tick === Infinity ? null : tick * this.tickMs;
  }

  private toDeadlineTick(deadlineMs: number): number {
    return Math.ceil(deadlineMs / this.tickMs);
  }

  private place(entry: Entry<T>): void {
    const deadline = entry.deadlineTick;
    if (deadline <= this.currentTick) {
      this.link(entry, DUE, 0, this.due);
      return;
    }
    for (let level = 0; level < LEVEL_COUNT; level += 1) {
      const above = LEVEL_SPAN_TICKS[level + 1]!;
      if (Math.floor(deadline / above) === Math.floor(this.currentTick / above)) {
        const slot = Math.floor(deadline / LEVEL_SPAN_TICKS[level]!) % SLOTS_PER_LEVEL;
        this.link(entry, level, slot, this.slotSet(level, slot));
        return;
      }
    }
    const top = LEVEL_SPAN_TICKS[LEVEL_COUNT]!;
    this.overflowRotationTick = Math.min(this.overflowRotationTick, Math.floor(deadline / top) * top);
    this.link(entry, OVERFLOW, 0, this.overflow);
  }

  private slotSet(level: number, slot: number): Set<Entry<T>> {
    const index = level * SLOTS_PER_LEVEL + slot;
    let set = this.slots[index];
    if (set === undefined) {
      set = new Set();
      this.slots[index] = set;
    }
    if (set.size === 0) this.setOccupied(level, slot, true);
    return set;
  }

  private link(entry: Entry<T>, level: number, slot: number, container: Set<Entry<T>>): void {
    entry.level = level;
    entry.slot = slot;
    entry.container = container;
    container.add(entry);
  }

  private unlink(entry: Entry<T>): void {
    const container = entry.container;
    if (container === null) throw new Error('TimerWheel: unlinking a timer that is not armed');
    container.delete(entry);
    entry.container = null;
    if (entry.level >= 0 && entry.level < LEVEL_COUNT && container.size === 0) {
      this.setOccupied(entry.level, entry.slot, false);
    }
  }

  private setOccupied(level: number, slot: number, occupied: boolean): void {
    const word = level * 2 + (slot >>> 5);
    const bit = 1 << (slot & 31);
    const current = this.occupied[word]!;
    this.occupied[word] = occupied ? current | bit : current & ~bit;
  }

  /** The first occupied slot of `level` strictly after `digit`, or -1. */
  private occupiedSlotAfter(level: number, digit: number): number {
    const from = digit + 1;
    if (from < 32) {
      const low = this.occupied[level * 2]! & (0xffffffff << from);
      if (low !== 0) return lowestBit(low);
    }
    const highFrom = Math.max(0, from - 32);
    if (highFrom < 32) {
      const high = this.occupied[level * 2 + 1]! & (0xffffffff << highFrom);
      if (high !== 0) return 32 + lowestBit(high);
    }
    return -1;
  }

  /** The next tick at which an occupied slot starts, or the overflow is re-sorted. */
  private nextBoundaryTick(): number {
    let best = Infinity;
    for (let level = 0; level < LEVEL_COUNT; level += 1) {
      const span = LEVEL_SPAN_TICKS[level]!;
      const digit = Math.floor(this.currentTick / span) % SLOTS_PER_LEVEL;
      const slot = this.occupiedSlotAfter(level, digit);
      if (slot < 0) continue;
      const rotationStart = Math.floor(this.currentTick / LEVEL_SPAN_TICKS[level + 1]!) * LEVEL_SPAN_TICKS[level + 1]!;
      const tick = rotationStart + slot * span;
      if (tick < best) best = tick;
    }
    if (this.overflow.size > 0 && this.overflowRotationTick < best) best = this.overflowRotationTick;
    return best;
  }

  /** At `tick` exactly one slot (or the overflow) starts: re-place its timers relative to now. */
  private cascadeAt(tick: number): void {
    if (tick === this.overflowRotationTick && this.overflow.size > 0) {
      this.overflowRotationTick = Infinity;
      this.replaceAll(this.overflow);
      return;
    }
    for (let level = LEVEL_COUNT - 1; level >= 0; level -= 1) {
      const span = LEVEL_SPAN_TICKS[level]!;
      if (tick % span !== 0) continue;
      const slot = Math.floor(tick / span) % SLOTS_PER_LEVEL;
      const set = this.slots[level * SLOTS_PER_LEVEL + slot];
      if (set !== undefined && set.size > 0) {
        this.setOccupied(level, slot, false);
        this.replaceAll(set);
        return;
      }
    }
    throw new Error(`TimerWheel: no slot starts at tick ${tick}`);
  }

  private replaceAll(set: Set<Entry<T>>): void {
    const entries = [...set];
    set.clear();
    for (const entry of entries) {
      entry.container = null;
      this.place(entry);
    }
  }

  private drainDue(into: T[]): void {
    if (this.due.size === 0) return;
    const entries = [...this.due].sort((a, b) => a.deadlineTick - b.deadlineTick);
    this.due.clear();
    for (const entry of entries) {
      entry.container = null;
      into.push(entry.item);
    }
  }
}

function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

function assertTime(ms: number, name: string): void {
  if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`TimerWheel: ${name} must be a finite, non-negative number of milliseconds, got ${ms}`);
  }
}
