/**
 * A simulated client: issues put, get and compare-and-set over a small key
 * space, one operation at a time, and records each invocation and response
 * for the linearizability checker. It talks to whoever it believes leads,
 * follows NotLeader hints, retries elsewhere when an attempt times out, and
 * after `maxAttemptsPerOp` gives the operation up, recording it as pending:
 * it may or may not have taken effect.
 *
 * Retries reuse the request id (client, seq), so the state machine's
 * session applies a write at most once. Must never issue a second operation
 * before the first is answered or given up.
 */
import type { NodeId } from '../../../actors/raft/core/types.ts';
import type { EventQueue } from '../harness/event-queue.ts';
import type { Prng } from '../harness/prng.ts';
import type { Trace } from '../harness/trace.ts';
import type { KvInput, KvOperation, KvOutput } from '../linearizability/index.ts';
import { kvModel } from '../linearizability/index.ts';
import type { ClientReply, ClientRequest, ReadPath } from './protocol.ts';

export interface ClientOptions {
  readonly keys: readonly string[];
  readonly requestTimeoutMs: number;
  readonly maxAttemptsPerOp: number;
  readonly thinkTimeMaxMs: number;
  /** Operations issued at most (the workload is bounded). */
  readonly maxOps: number;
  /** Only put: the liveness probe. */
  readonly writesOnly: boolean;
}

export interface ClientEnvironment {
  readonly queue: EventQueue;
  readonly trace: Trace;
  /** Members a client may try. */
  members(): readonly NodeId[];
  send(to: NodeId, request: ClientRequest): void;
  /** A strictly increasing stamp: history times must order events exactly as they happened. */
  stamp(): number;
  /** `seq` with the client id is the request id the state machine saw. */
  record(operation: KvOperation, seq: number): void;
}

interface Outstanding {
  readonly seq: number;
  readonly input: KvInput;
  readonly readPath: ReadPath;
  readonly callAt: number;
  attempt: number;
}

export class SimClient {
  private nextSeq = 1;
  private leaderGuess: NodeId | null = null;
  private current: Outstanding | null = null;
  private issued = 0;
  private stopped = false;
  private draining = false;
  /** Values this client has seen or written, so compare-and-sets sometimes match. */
  private readonly seen = new Map<string, string | null>();

  constructor(
    readonly id: number,
    private readonly prng: Prng,
    private readonly options: ClientOptions,
    private readonly env: ClientEnvironment,
  ) {
    if (options.keys.length === 0 || options.maxAttemptsPerOp < 1 || options.maxOps < 1) throw new RangeError('client needs keys, attempts and ops');
  }

  get idle(): boolean {
    return this.current === null;
  }

  start(): void {
    this.env.queue.after(this.prng.between(0, this.options.thinkTimeMaxMs), () => this.issueNext());
  }

  /** No new operations; the one outstanding runs to its end. */
  drain(): void {
    this.draining = true;
  }

  /** No new operations; one still outstanding is recorded as pending. */
  stop(): void {
    this.stopped = true;
    if (this.current !== null) this.giveUp('stopped');
  }

  onReply(reply: ClientReply): void {
    const current = this.current;
    if (current === null || reply.seq !== current.seq || reply.attempt !== current.attempt) return;
    switch (reply.kind) {
      case 'ok':
        this.complete(current, reply.output);
        return;
      case 'not-leader':
        this.leaderGuess = reply.leaderHint === 0 || reply.leaderHint === this.leaderGuess ? null : reply.leaderHint;
        // A named leader is worth trying at once; no known leader means an election: wait for it.
        this.retry(current, `not leader, hint n${reply.leaderHint}`, this.leaderGuess === null ? this.prng.between(10, 50) : this.prng.between(1, 5));
        return;
      case 'busy':
        this.retry(current, `busy: ${reply.reason}`, this.prng.between(10, 50));
        return;
    }
  }

  private issueNext(): void {
    if (this.stopped || this.draining || this.current !== null || this.issued >= this.options.maxOps) return;
    this.issued++;
    const input = this.chooseOperation();
    const readPath: ReadPath = this.prng.chance(0.5) ? 'log' : 'read-index';
    this.current = { seq: this.nextSeq++, input, readPath, callAt: this.env.stamp(), attempt: 0 };
    this.env.trace.record(this.env.queue.nowMs, `c${this.id} call #${this.current.seq} ${kvModel.describe(this.pendingOperation(this.current)).replace(/^client \d+: /, '')}`);
    this.sendAttempt(this.current);
  }

  private chooseOperation(): KvInput {
    const key = this.prng.pick(this.options.keys);
    const value = `c${this.id}.${this.nextSeq}`;
    const roll = this.options.writesOnly ? 0 : this.prng.float();
    if (roll < 0.4) return { kind: 'put', key, value };
    if (roll < 0.75) return { kind: 'get', key };
    const expected = this.prng.chance(0.2) ? null : (this.seen.get(key) ?? null);
    return { kind: 'cas', key, expected, value };
  }

  private sendAttempt(current: Outstanding): void {
    const members = this.env.members();
    if (members.length === 0) throw new Error('client has no member to talk to');
    const to = this.leaderGuess ?? this.prng.pick(members);
    const attempt = current.attempt;
    this.env.send(to, { client: this.id, seq: current.seq, attempt, op: current.input, readPath: current.readPath });
    this.env.queue.after(this.options.requestTimeoutMs, () => {
      if (this.current === current && current.attempt === attempt) {
        this.leaderGuess = null;
        this.retry(current, `timeout at n${to}`, this.prng.between(1, 10));
      }
    });
  }

  private retry(current: Outstanding, why: string, backoffMs: number): void {
    current.attempt++;
    this.env.trace.record(this.env.queue.nowMs, `c${this.id} #${current.seq} attempt ${current.attempt}: ${why}`);
    if (current.attempt >= this.options.maxAttemptsPerOp) {
      this.giveUp('out of attempts');
      return;
    }
    const attempt = current.attempt;
    this.env.queue.after(backoffMs, () => {
      if (this.current === current && current.attempt === attempt) this.sendAttempt(current);
    });
  }

  private complete(current: Outstanding, output: KvOutput): void {
    const operation: KvOperation = { client: this.id, input: current.input, callAt: current.callAt, response: { output, returnAt: this.env.stamp() } };
    this.env.record(operation, current.seq);
    this.env.trace.record(this.env.queue.nowMs, `c${this.id} return #${current.seq} ${kvModel.describe(operation).replace(/^client \d+: /, '')}`);
    this.learn(current.input, output);
    this.current = null;
    this.env.queue.after(this.prng.between(0, this.options.thinkTimeMaxMs), () => this.issueNext());
  }

  private giveUp(why: string): void {
    const current = this.current!;
    this.env.record(this.pendingOperation(current), current.seq);
    this.env.trace.record(this.env.queue.nowMs, `c${this.id} gave up #${current.seq} (${why}): pending forever`);
    this.current = null;
    if (!this.stopped) this.env.queue.after(this.prng.between(0, this.options.thinkTimeMaxMs), () => this.issueNext());
  }

  private pendingOperation(current: Outstanding): KvOperation {
    return { client: this.id, input: current.input, callAt: current.callAt, response: null };
  }

  private learn(input: KvInput, output: KvOutput): void {
    if (output.kind === 'get') this.seen.set(input.key, output.value);
    else if (input.kind !== 'get' && (output.kind === 'put' || (output.kind === 'cas' && output.ok))) this.seen.set(input.key, input.value);
  }
}
