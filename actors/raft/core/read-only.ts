/**
 * ReadIndex bookkeeping on the leader. A read is safe at the commit index
 * it arrived at once the leader has proven it still leads *after* the read
 * arrived: a majority of voters answered a heartbeat round started after
 * it. Rounds are numbered; each heartbeat carries its round (and start
 * tick) as its context, and members echo it back, so one round confirms
 * every read queued before it and "confirmed round" is plain majority math.
 * The same acknowledgements give the lease start for lease reads.
 *
 * Reads that arrive before the new leader has committed an entry of its
 * term wait here too (its commit index may still be stale). Every queue is
 * bounded by `maxPending`. Never touches the log or sends anything.
 */
import { ProposalDroppedError } from './errors.ts';
import type { NodeId } from './types.ts';

export interface PendingRead {
  readonly index: number;
  readonly context: Uint8Array;
  /** Who asked: this member (a ReadState) or a follower (a read-index-response). */
  readonly from: NodeId;
  readonly round: number;
}

interface DeferredRead {
  readonly context: Uint8Array;
  readonly from: NodeId;
}

const ROUND_CONTEXT_BYTES = 16;
const decodeScratch = new Float64Array(2);
const decodeScratchBytes = new Uint8Array(decodeScratch.buffer);

/** A heartbeat round's context: round number and start tick, two little-endian float64s. */
export function encodeRoundContext(round: number, startTick: number): Uint8Array {
  const values = new Float64Array([round, startTick]);
  return new Uint8Array(values.buffer);
}

/** The round and start tick echoed by a heartbeat response, or null if the context is not a round. */
export function decodeRoundContext(context: Uint8Array | null): { round: number; startTick: number } | null {
  if (context === null || context.byteLength !== ROUND_CONTEXT_BYTES) return null;
  decodeScratchBytes.set(context);
  return { round: decodeScratch[0] as number, startTick: decodeScratch[1] as number };
}

export class ReadOnly {
  private lastRound = 0;
  private roundWanted = false;
  private pending: PendingRead[] = [];
  private deferred: DeferredRead[] = [];

  constructor(private readonly maxPending: number) {}

  get round(): number {
    return this.lastRound;
  }

  get size(): number {
    return this.pending.length + this.deferred.length;
  }

  private checkRoom(): void {
    if (this.size >= this.maxPending) {
      throw new ProposalDroppedError(`${this.maxPending} read-index requests are already waiting (maxPendingReadIndex)`);
    }
  }

  /** Queues a read at commit index `index`; the next round confirms it. */
  add(index: number, context: Uint8Array, from: NodeId): void {
    this.checkRoom();
    this.pending.push({ index, context, from, round: this.lastRound + 1 });
    this.roundWanted = true;
  }

  /** Parks a read until this leader has committed an entry of its term. */
  defer(context: Uint8Array, from: NodeId): void {
    this.checkRoom();
    this.deferred.push({ context, from });
  }

  takeDeferred(): DeferredRead[] {
    const out = this.deferred;
    this.deferred = [];
    return out;
  }

  /** Whether a queued read waits for a round that has not started. */
  wantsRound(): boolean {
    return this.roundWanted;
  }

  /** Starts the next round; returns the context its heartbeats carry. */
  startRound(nowTick: number): Uint8Array {
    this.lastRound++;
    this.roundWanted = false;
    return encodeRoundContext(this.lastRound, nowTick);
  }

  /** Removes and returns the reads confirmed by `confirmedRound`, oldest first. */
  release(confirmedRound: number): PendingRead[] {
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as PendingRead).round <= confirmedRound) n++;
    if (n === 0) return [];
    return this.pending.splice(0, n);
  }

  /** Leadership ended: waiting reads are dropped (their callers time out and retry). */
  reset(): void {
    this.pending = [];
    this.deferred = [];
    this.roundWanted = false;
  }
}
