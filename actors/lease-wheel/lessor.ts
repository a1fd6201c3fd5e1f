/**
 * The lease table of one member: grant, revoke, keepalive, time-to-live,
 * attached keys, and, on the leader only, the decision that a lease expired.
 *
 * Why expiry is the leader's alone: members' clocks differ, so if each member
 * expired leases by its own clock they would delete different keys at
 * different log positions. Instead the leader's wheel says "lease L expired"
 * (`tick().expired`), the caller proposes a revoke through Raft, and every
 * member deletes the keys when it applies that revoke (`revoke`). A follower
 * keeps every lease unarmed. When a member becomes leader (`promote`) it arms
 * each lease with its full remaining TTL plus an election's worth of slack,
 * measured on its own clock: a client that was promised T seconds by the old
 * leader never gets fewer, whatever happened during the election.
 *
 * Long leases also carry a checkpointed remaining TTL, proposed periodically
 * by the leader (`tick().checkpoints`) and applied on every member
 * (`applyCheckpoint`), so that a leader change or restart does not reset a
 * 1-hour lease to a full hour again. A checkpoint is never allowed to cut a
 * promise short: a keepalive of a lease that carries a checkpoint, or has one
 * on its way through Raft, answers `clearCheckpoint`, and the caller commits
 * a zero remainder (after that checkpoint, in log order) before it answers
 * the client. Promotion never arms below the minimum TTL.
 *
 * What survives a restart (`persisted()` / `Lessor.restore`): ID, granted
 * TTL, last checkpointed remaining TTL. What does not: armed deadlines (they
 * are readings of one member's clock) and attached keys (the applier
 * re-attaches them from the MVCC store, where each key records its lease).
 * A restarted member is a follower; if it becomes leader, `promote` re-arms.
 *
 * Never: read a clock (every time-dependent call takes `nowMs`), expire on a
 * follower, or let time go backwards.
 */

import type { TimerHandle } from './timer-wheel.ts';
import { TimerWheel } from './timer-wheel.ts';
import { leaseExists, leaseNotFound, leaseTtlTooLarge, notLeader, tooManyAttachedKeys, tooManyLeases } from './errors.ts';
import { MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds } from './lease-ttl.ts';
import type { RandomSource } from './lease-id.ts';
import { assertLeaseId, mintLeaseId } from './lease-id.ts';
import { keyBytes, keyString } from '../watch-hub/key-bytes.ts';

export interface LessorOptions {
  /** Sets the minimum TTL (ceil(1.5 x this) seconds) and the default promotion slack. */
  readonly electionTimeoutMs: number;
  readonly maxLeases: number;
  /** Keys attached across all leases. */
  readonly maxAttachedKeys: number;
  /** Mints IDs for grants that ask for ID 0. */
  readonly random: RandomSource;
  /** The clock reading the lessor starts at. */
  readonly startMs: number;
  /** Wheel resolution; a lease expires at most this late. Default 100 ms. */
  readonly tickMs?: number;
  /** Added to every lease on promotion, as etcd adds the election timeout. Default: electionTimeoutMs. */
  readonly promoteExtensionMs?: number;
  /** An expired lease whose revoke has not been applied is reported again after this. Default 3 s (etcd's). */
  readonly expiredRetryMs?: number;
  /** Expiry decisions handed out per tick; the rest wait for the next tick. Default 500 (etcd: 1000/s). */
  readonly maxExpiriesPerTick?: number;
  /**
   * How often the remaining TTL of a lease that outlives it is checkpointed.
   * Default 5 min (etcd's): after a leader change or restart, a lease whose
   * holder is gone lives at most this much (plus the election slack) beyond
   * its deadline, instead of up to a whole extra TTL. Raft pays at most two
   * entries per lease per interval (the checkpoint, and the clear on the next
   * keepalive); leases no longer than the interval are never checkpointed.
   */
  readonly checkpointIntervalMs?: number;
  /** Checkpoints handed out per tick, which the caller commits as one Raft entry. Default 1000 (etcd's batch). */
  readonly maxCheckpointsPerTick?: number;
}

export interface GrantResult {
  readonly id: number;
  /** The TTL actually granted: raised to the minimum when asked for less. */
  readonly ttlSeconds: number;
}

export interface KeepAliveResult {
  readonly ttlSeconds: number;
  /**
   * The lease carried a checkpointed remaining TTL, now stale: the caller must
   * commit `{ id, remainingTtlSeconds: 0 }` through Raft before answering the
   * client, or a new leader could honour the old, shorter remainder.
   */
  readonly clearCheckpoint: boolean;
}

export interface TimeToLive {
  readonly id: number;
  /** Whole seconds left (on a follower: the checkpointed remainder, else the granted TTL). */
  readonly ttlSeconds: number;
  readonly grantedTtlSeconds: number;
  /** Attached keys, bytewise order. */
  readonly keys: readonly Uint8Array[];
}

export interface LeaseCheckpoint {
  readonly id: number;
  readonly remainingTtlSeconds: number;
}

/** What the log writer stores per lease; see the module comment for what it leaves out. */
export interface PersistedLease {
  readonly id: number;
  readonly ttlSeconds: number;
  /** 0: no checkpoint, the full TTL applies. */
  readonly remainingTtlSeconds: number;
}

export interface TickResult {
  /** Leases to revoke through Raft (leader only). */
  readonly expired: readonly number[];
  /** Remaining TTLs to commit through Raft (leader only). */
  readonly checkpoints: readonly LeaseCheckpoint[];
}

interface Lease {
  readonly id: number;
  readonly ttlSeconds: number;
  remainingTtlSeconds: number;
  /** Leader only: checkpoints of this lease proposed and neither applied nor abandoned yet. */
  checkpointsInFlight: number;
  /** null while unarmed (on a follower). */
  expiryMs: number | null;
  expiryTimer: TimerHandle<number> | null;
  checkpointTimer: TimerHandle<number> | null;
  readonly keys: Set<string>;
}

const DEFAULTS = {
  tickMs: 100,
  expiredRetryMs: 3_000,
  maxExpiriesPerTick: 500,
  checkpointIntervalMs: 5 * 60_000,
  maxCheckpointsPerTick: 1_000,
} as const;

export class Lessor {
  private readonly minTtlSeconds: number;
  private readonly maxLeases: number;
  private readonly maxAttachedKeys: number;
  private readonly random: RandomSource;
  private readonly promoteExtensionMs: number;
  private readonly expiredRetryMs: number;
  private readonly maxExpiriesPerTick: number;
  private readonly checkpointIntervalMs: number;
  private readonly maxCheckpointsPerTick: number;

  private readonly leasesById = new Map<number, Lease>();
  private readonly expiryWheel: TimerWheel<number>;
  private readonly checkpointWheel: TimerWheel<number>;
  /** Expired, not yet handed out; Set order is FIFO. */
  private readonly expiring = new Set<number>();
  private readonly checkpointsDue = new Set<number>();
  private leader = false;
  private attachedKeys = 0;
  private lastNowMs: number;

  constructor(options: LessorOptions) {
    this.minTtlSeconds = minLeaseTtlSeconds(options.electionTimeoutMs);
    this.maxLeases = positiveInteger(options.maxLeases, 'maxLeases');
    this.maxAttachedKeys = positiveInteger(options.maxAttachedKeys, 'maxAttachedKeys');
    this.random = options.random;
    const tickMs = positiveInteger(options.tickMs ?? DEFAULTS.tickMs, 'tickMs');
    this.promoteExtensionMs = nonNegativeInteger(options.promoteExtensionMs ?? options.electionTimeoutMs, 'promoteExtensionMs');
    this.expiredRetryMs = positiveInteger(options.expiredRetryMs ?? DEFAULTS.expiredRetryMs, 'expiredRetryMs');
    this.maxExpiriesPerTick = positiveInteger(options.maxExpiriesPerTick ?? DEFAULTS.maxExpiriesPerTick, 'maxExpiriesPerTick');
    this.checkpointIntervalMs = positiveInteger(options.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs, 'checkpointIntervalMs');
    this.maxCheckpointsPerTick = positiveInteger(options.maxCheckpointsPerTick ?? DEFAULTS.maxCheckpointsPerTick, 'maxCheckpointsPerTick');
    this.lastNowMs = options.startMs;
    this.expiryWheel = new TimerWheel({ tickMs, startMs: options.startMs });
    this.checkpointWheel = new TimerWheel({ tickMs, startMs: options.startMs });
  }

  /** A follower lessor holding the leases of a snapshot or of the member's last run. */
  static restore(options: LessorOptions, persisted: readonly PersistedLease[]): Lessor {
    const lessor = new Lessor(options);
    if (persisted.length > lessor.maxLeases) throw tooManyLeases(lessor.maxLeases);
    for (const record of persisted) {
      assertLeaseId(record.id);
      if (lessor.leasesById.has(record.id)) throw new Error(`Lessor.restore: lease ${record.id} appears twice`);
      if (!Number.isSafeInteger(record.remainingTtlSeconds) || record.remainingTtlSeconds < 0) {
        throw new RangeError(`Lessor.restore: lease ${record.id} has remainingTtlSeconds ${record.remainingTtlSeconds}`);
      }
      lessor.leasesById.set(record.id, newLease(record.id, lessor.effectiveTtl(record.ttlSeconds), record.remainingTtlSeconds));
    }
    return lessor;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get size(): number {
    return this.leasesById.size;
  }

  get attachedKeyCount(): number {
    return this.attachedKeys;
  }

  /** An unused ID for a grant the leader is about to propose. */
  mintId(): number {
    return mintLeaseId(this.random, (id) => this.leasesById.has(id));
  }

  /** Applies a committed grant. ID 0 mints one (single-member use; a cluster mints before proposing). */
  grant(id: number, ttlSeconds: number, nowMs: number): GrantResult {
    this.observe(nowMs);
    if (!Number.isSafeInteger(ttlSeconds)) throw new RangeError(`Lessor.grant: ttlSeconds must be an integer, got ${ttlSeconds}`);
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw leaseTtlTooLarge();
    const leaseId = id === 0 ? this.mintId() : id;
    assertLeaseId(leaseId);
    if (this.leasesById.has(leaseId)) throw leaseExists();
    if (this.leasesById.size >= this.maxLeases) throw tooManyLeases(this.maxLeases);
    const lease = newLease(leaseId, this.effectiveTtl(ttlSeconds), 0);
    this.leasesById.set(leaseId, lease);
    if (this.leader) this.arm(lease, nowMs + lease.ttlSeconds * 1000, nowMs);
    return { id: leaseId, ttlSeconds: lease.ttlSeconds };
  }

  /** Applies a committed revoke; returns the keys the applier must delete, bytewise order. */
  revoke(id: number): readonly Uint8Array[] {
    const lease = this.mustGet(id);
    this.disarm(lease);
    this.expiring.delete(id);
    this.checkpointsDue.delete(id);
    this.leasesById.delete(id);
    this.attachedKeys -= lease.keys.size;
    return sortedKeys(lease.keys);
  }

  /** Leader only: pushes the expiry to now + TTL and returns the TTL. */
  keepAlive(id: number, nowMs: number): KeepAliveResult {
    this.observe(nowMs);
    if (!this.leader) throw notLeader();
    const lease = this.mustGet(id);
    const expiryMs = lease.expiryMs;
    if (expiryMs === null) throw new Error(`Lessor.keepAlive: lease ${id} is unarmed on the leader`);
    // Expired and waiting for its revoke to commit: for the client it is gone.
    if (expiryMs <= nowMs) throw leaseNotFound();
    this.arm(lease, nowMs + lease.ttlSeconds * 1000, nowMs);
    // A checkpoint still in flight lands after this renewal: it must be cleared after it, too.
    return { ttlSeconds: lease.ttlSeconds, clearCheckpoint: lease.remainingTtlSeconds > 0 || lease.checkpointsInFlight > 0 };
  }

  timeToLive(id: number, nowMs: number): TimeToLive {
    this.observe(nowMs);
    const lease = this.mustGet(id);
    const ttlSeconds =
      lease.expiryMs === null ? remainingOrFull(lease) : Math.max(0, Math.floor((lease.expiryMs - nowMs) / 1000));
    return { id, ttlSeconds, grantedTtlSeconds: lease.ttlSeconds, keys: sortedKeys(lease.keys) };
  }

  /** Every lease ID, ascending. */
  leases(): number[] {
    return [...this.leasesById.keys()].sort((a, b) => a - b);
  }

  attach(id: number, key: Uint8Array): void {
    const lease = this.mustGet(id);
    const k = keyString(key);
    if (lease.keys.has(k)) return;
    if (this.attachedKeys >= this.maxAttachedKeys) throw tooManyAttachedKeys(this.maxAttachedKeys);
    lease.keys.add(k);
    this.attachedKeys += 1;
  }

  detach(id: number, key: Uint8Array): void {
    const lease = this.mustGet(id);
    if (lease.keys.delete(keyString(key))) this.attachedKeys -= 1;
  }

  /**
   * Applies a committed checkpoint (0 clears it); a lease revoked meanwhile is
   * skipped. It never moves an armed deadline: the leader's own timer is what
   * the checkpoint was measured from.
   */
  applyCheckpoint(checkpoint: LeaseCheckpoint): void {
    if (!Number.isSafeInteger(checkpoint.remainingTtlSeconds) || checkpoint.remainingTtlSeconds < 0) {
      throw new RangeError(`Lessor.applyCheckpoint: remainingTtlSeconds ${checkpoint.remainingTtlSeconds}`);
    }
    const lease = this.leasesById.get(checkpoint.id);
    if (lease === undefined) return;
    lease.remainingTtlSeconds = checkpoint.remainingTtlSeconds;
    // Only this leader's own checkpoints apply while it leads (promotion waits for the older ones).
    if (checkpoint.remainingTtlSeconds > 0 && lease.checkpointsInFlight > 0) lease.checkpointsInFlight -= 1;
  }

  /** Leader only: these checkpoints from `tick()` were refused by Raft and will never be applied. */
  abandonCheckpoints(ids: readonly number[]): void {
    for (const id of ids) {
      const lease = this.leasesById.get(id);
      if (lease !== undefined && lease.checkpointsInFlight > 0) lease.checkpointsInFlight -= 1;
    }
  }

  /**
   * This member became leader: arm every lease at now + extension + its
   * remaining TTL (the checkpointed one, else the full one; never below the
   * minimum). Call it only once every entry of earlier terms is applied, or a
   * grant or checkpoint still on its way would be missed.
   */
  promote(nowMs: number): void {
    this.observe(nowMs);
    if (this.leader) throw new Error('Lessor.promote: already the leader');
    this.advanceWheels(nowMs);
    this.leader = true;
    for (const lease of this.leasesById.values()) {
      const remainingTtlSeconds = Math.max(remainingOrFull(lease), this.minTtlSeconds);
      this.arm(lease, nowMs + this.promoteExtensionMs + remainingTtlSeconds * 1000, nowMs);
    }
  }

  /** This member lost leadership: stop expiring, forget pending decisions. */
  demote(): void {
    if (!this.leader) throw new Error('Lessor.demote: not the leader');
    this.leader = false;
    for (const lease of this.leasesById.values()) this.disarm(lease);
    this.expiring.clear();
    this.checkpointsDue.clear();
  }

  /** Advances the clock; on the leader, returns expiry and checkpoint decisions to propose. */
  tick(nowMs: number): TickResult {
    this.observe(nowMs);
    const expiredIds = this.expiryWheel.advanceTo(nowMs);
    const checkpointIds = this.checkpointWheel.advanceTo(nowMs);
    if (!this.leader) {
      if (expiredIds.length + checkpointIds.length > 0) throw new Error('Lessor.tick: a follower had armed timers');
      return { expired: [], checkpoints: [] };
    }
    for (const id of expiredIds) {
      const lease = this.mustGet(id);
      // Re-armed so the decision is made again if this revoke never commits.
      lease.expiryTimer = this.expiryWheel.schedule(id, nowMs + this.expiredRetryMs);
      this.expiring.add(id);
    }
    for (const id of checkpointIds) {
      this.mustGet(id).checkpointTimer = null;
      this.checkpointsDue.add(id);
    }
    return { expired: takeFirst(this.expiring, this.maxExpiriesPerTick), checkpoints: this.dueCheckpoints(nowMs) };
  }

  /** The clock reading at which `tick` next has work, or null when there is none. */
  nextWakeMs(): number | null {
    if (this.expiring.size > 0 || this.checkpointsDue.size > 0) return this.lastNowMs;
    const wakes = [this.expiryWheel.nextWakeMs(), this.checkpointWheel.nextWakeMs()].filter((ms) => ms !== null);
    return wakes.length === 0 ? null : Math.min(...wakes);
  }

  /** Every lease in its restart form, ascending ID. */
  persisted(): PersistedLease[] {
    return this.leases().map((id) => {
      const lease = this.mustGet(id);
      return { id, ttlSeconds: lease.ttlSeconds, remainingTtlSeconds: lease.remainingTtlSeconds };
    });
  }

  private dueCheckpoints(nowMs: number): LeaseCheckpoint[] {
    const checkpoints: LeaseCheckpoint[] = [];
    for (const id of takeFirst(this.checkpointsDue, this.maxCheckpointsPerTick)) {
      const lease = this.mustGet(id);
      if (lease.expiryMs === null) throw new Error(`Lessor: checkpoint of unarmed lease ${id}`);
      const remainingMs = lease.expiryMs - nowMs;
      const remainingTtlSeconds = Math.ceil(remainingMs / 1000);
      if (remainingTtlSeconds > 0 && remainingTtlSeconds < lease.ttlSeconds) {
        checkpoints.push({ id, remainingTtlSeconds });
        lease.checkpointsInFlight += 1;
      }
      this.scheduleCheckpoint(lease, remainingMs, nowMs);
    }
    return checkpoints;
  }

  private arm(lease: Lease, expiryMs: number, nowMs: number): void {
    lease.expiryMs = expiryMs;
    if (lease.expiryTimer === null) lease.expiryTimer = this.expiryWheel.schedule(lease.id, expiryMs);
    else this.expiryWheel.reschedule(lease.expiryTimer, expiryMs);
    if (lease.checkpointTimer === null && !this.checkpointsDue.has(lease.id)) {
      this.scheduleCheckpoint(lease, expiryMs - nowMs, nowMs);
    }
  }

  /** Only a lease that will outlive the next checkpoint round is worth checkpointing. */
  private scheduleCheckpoint(lease: Lease, remainingMs: number, nowMs: number): void {
    if (remainingMs > this.checkpointIntervalMs) {
      lease.checkpointTimer = this.checkpointWheel.schedule(lease.id, nowMs + this.checkpointIntervalMs);
    }
  }

  private disarm(lease: Lease): void {
    if (lease.expiryTimer !== null) this.expiryWheel.cancel(lease.expiryTimer);
    if (lease.checkpointTimer !== null) this.checkpointWheel.cancel(lease.checkpointTimer);
    lease.expiryTimer = null;
    lease.checkpointTimer = null;
    lease.expiryMs = null;
    lease.checkpointsInFlight = 0;
  }

  private advanceWheels(nowMs: number): void {
    this.expiryWheel.advanceTo(nowMs);
    this.checkpointWheel.advanceTo(nowMs);
  }

  private effectiveTtl(ttlSeconds: number): number {
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw leaseTtlTooLarge();
    return Math.max(ttlSeconds, this.minTtlSeconds);
  }

  private mustGet(id: number): Lease {
    const lease = this.leasesById.get(id);
    if (lease === undefined) throw leaseNotFound();
    return lease;
  }

  private observe(nowMs: number): void {
    if (!Number.isFinite(nowMs) || nowMs < this.lastNowMs) {
      throw new RangeError(`Lessor: the clock must not go backwards (${nowMs} < ${this.lastNowMs})`);
    }
    this.lastNowMs = nowMs;
  }
}

function newLease(id: number, ttlSeconds: number, remainingTtlSeconds: number): Lease {
  return { id, ttlSeconds, remainingTtlSeconds, checkpointsInFlight: 0, expiryMs: null, expiryTimer: null, checkpointTimer: null, keys: new Set() };
}

function remainingOrFull(lease: Lease): number {
  return lease.remainingTtlSeconds > 0 ? lease.remainingTtlSeconds : lease.ttlSeconds;
}

function sortedKeys(keys: Set<string>): Uint8Array[] {
  return [...keys].sort().map(keyBytes);
}

/** Removes and returns up to `count` IDs in insertion order. */
function takeFirst(queue: Set<number>, count: number): number[] {
  const taken: number[] = [];
  for (const id of queue) {
    if (taken.length >= count) break;
    taken.push(id);
  }
  for (const id of taken) queue.delete(id);
  return taken;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`Lessor: ${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Lessor: ${name} must be a non-negative integer, got ${value}`);
  return value;
}
