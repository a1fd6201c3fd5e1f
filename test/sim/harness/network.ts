/**
 * The simulated network between members: each message is dropped,
 * duplicated, delayed or held back (reordered) according to the current
 * link quality, and never delivered across a blocked directed link
 * (checked when sent and again when it would arrive, so a partition also
 * eats what was in flight). Partitions are sets of blocked directed links;
 * symmetric, asymmetric, leader-isolating and flapping partitions are all
 * built from `block`/`unblock` by the fault driver.
 *
 * Must never deliver a message it has not been given, nor deliver
 * synchronously: every delivery is a scheduled event, so a sender's state
 * change always precedes its effects.
 */
import type { Message, NodeId } from '../../../actors/raft/core/types.ts';
import type { EventQueue } from './event-queue.ts';
import type { Prng } from './prng.ts';
import type { Trace } from './trace.ts';
import { describeMessage } from './describe.ts';

export interface LinkQuality {
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Chance a message is held back up to `slowDelayMaxMs`, arriving after later ones. */
  readonly slowProbability: number;
  readonly slowDelayMaxMs: number;
}

export const RELIABLE_LINKS: LinkQuality = {
  dropProbability: 0,
  duplicateProbability: 0,
  minDelayMs: 1,
  maxDelayMs: 5,
  slowProbability: 0,
  slowDelayMaxMs: 5,
};

export interface NetworkOptions {
  readonly queue: EventQueue;
  readonly prng: Prng;
  readonly trace: Trace;
  readonly deliver: (message: Message) => void;
  /** Messages in flight beyond this are dropped (a congested network may drop). */
  readonly maxInFlight: number;
}

export class SimNetwork {
  private quality: LinkQuality = RELIABLE_LINKS;
  private readonly blockedLinks = new Set<string>();
  private inFlight = 0;
  private sentCount = 0;

  constructor(private readonly options: NetworkOptions) {
    if (!Number.isSafeInteger(options.maxInFlight) || options.maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
  }

  get messagesSent(): number {
    return this.sentCount;
  }

  setQuality(quality: LinkQuality): void {
    if (!(quality.minDelayMs >= 0 && quality.maxDelayMs >= quality.minDelayMs && quality.slowDelayMaxMs >= quality.maxDelayMs)) {
      throw new RangeError('link delays must satisfy 0 <= min <= max <= slowMax');
    }
    this.quality = quality;
  }

  block(from: NodeId, to: NodeId): void {
    this.blockedLinks.add(linkKey(from, to));
  }

  unblock(from: NodeId, to: NodeId): void {
    this.blockedLinks.delete(linkKey(from, to));
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockedLinks.has(linkKey(from, to));
  }

  healAll(): void {
    this.blockedLinks.clear();
  }

  send(message: Message): void {
    if (message.from === message.to) throw new Error(`member ${message.from} sent a message to itself: ${describeMessage(message)}`);
    this.sentCount++;
    const { prng, trace, queue } = this.options;
    const q = this.quality;
    if (this.isBlocked(message.from, message.to)) {
      trace.record(queue.nowMs, `net cut ${describeMessage(message)}`);
      return;
    }
    if (prng.chance(q.dropProbability)) {
      trace.record(queue.nowMs, `net drop ${describeMessage(message)}`);
      return;
    }
    const copies = prng.chance(q.duplicateProbability) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      if (this.inFlight >= this.options.maxInFlight) {
        trace.record(queue.nowMs, `net overflow ${describeMessage(message)}`);
        return;
      }
      const delayMs = prng.chance(q.slowProbability) ? prng.between(q.maxDelayMs, q.slowDelayMaxMs) : prng.between(q.minDelayMs, q.maxDelayMs);
      if (copy > 0) trace.record(queue.nowMs, `net dup ${describeMessage(message)} +${delayMs}ms`);
      this.inFlight++;
      queue.after(delayMs, () => this.arrive(message));
    }
  }

  private arrive(message: Message): void {
    this.inFlight--;
    if (this.isBlocked(message.from, message.to)) {
      this.options.trace.record(this.options.queue.nowMs, `net cut-in-flight ${describeMessage(message)}`);
      return;
    }
    this.options.deliver(message);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
