/**
 * One actor on its thread: its behaviour, its private mailbox and its counters.
 * The cell runs one message at a time (a receive that returns a promise holds
 * the mailbox until it settles), answers asks from the returned value, and
 * turns a throw into either a rejected message (UnknownMessageError: the actor
 * keeps running) or a crash (the cell suspends, keeps its mailbox, and tells
 * its host, whose supervisor decides between restart and stop).
 *
 * Each start begins an incarnation with its own context and stop hooks; the
 * incarnation ends (its hooks run) when the cell crashes, is suspended for a
 * restart, or stops, so nothing an old incarnation set up outlives it.
 *
 * The cell never schedules itself or talks to other threads: its host does.
 */
import type { ActorRef, Replier } from './actor-ref.ts';
import type { ActorContext, Behaviour } from './behaviour.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { ActorFailedError, ActorStoppedError, RuntimeError, UnknownMessageError, toWireError } from './errors.ts';
import { StopHooks } from './stop-hooks.ts';

export type CellStatus = 'starting' | 'running' | 'suspended' | 'stopped';

/** Builds a fresh behaviour (and so fresh private state): the actor's factory, with its arguments bound. */
export type BehaviourFactory = (ctx: ActorContext<unknown>) => Behaviour<unknown> | Promise<Behaviour<unknown>>;

export interface MailboxEntry {
  readonly message: unknown;
  /** Present when the message is an ask. */
  readonly replier: Replier<unknown> | undefined;
}

/** What a cell needs from the thread that hosts it. */
export interface CellHost {
  readonly threadIndex: number;
  schedule(cell: ActorCell): void;
  /** Brackets the synchronous part of a receive, so sends made inside it are attributed to the cell. */
  enter(cell: ActorCell): void;
  leave(): void;
  /** The behaviour crashed; the cell is suspended until the supervisor restarts or stops it. */
  reportFailure(actor: string, error: unknown): void;
  /** A fire-and-forget message was refused (e.g. unknown type); nobody waits on it, so the supervisor hears. */
  reportRejection(actor: string, error: RuntimeError<object>): void;
  /** A stop hook threw (or its promise rejected); the actor ends anyway, so the supervisor only hears of it. */
  reportStopHookFailure(actor: string, error: unknown): void;
  lookup<T>(name: string): ActorRef<T>;
}

export interface CellCounters {
  messagesProcessed: number;
  messagesRejected: number;
  ringStalls: number;
}

export interface StopOutcome {
  /** Fire-and-forget messages still in the mailbox, now discarded. */
  readonly discardedMessages: number;
  /** Asks still in the mailbox, now rejected with ActorStoppedError. */
  readonly rejectedAsks: number;
}

export class ActorCell {
  readonly name: string;
  readonly self: ActorRef<unknown>;
  readonly mailbox: BoundedQueue<MailboxEntry>;
  readonly counters: CellCounters = { messagesProcessed: 0, messagesRejected: 0, ringStalls: 0 };
  /** Set by the scheduler while the cell sits in its run queue. */
  scheduled = false;
  /** A new cell is suspended: its mailbox already accepts messages, which wait for start(). */
  #status: CellStatus = 'suspended';
  readonly #createBehaviour: BehaviourFactory;
  readonly #host: CellHost;
  /** The current incarnation's context and hooks; replaced on every start. */
  #ctx: ActorContext<unknown> | undefined;
  #stopHooks: StopHooks | undefined;
  #behaviour: Behaviour<unknown> | undefined;
  #busy = false;
  #roomWaiters: Array<() => void> = [];
  #current: MailboxEntry | undefined;
  #replyDeferred = false;

  constructor(self: ActorRef<unknown>, createBehaviour: BehaviourFactory, mailboxLimitMessages: number, host: CellHost) {
    this.name = self.name;
    this.self = self;
    this.#createBehaviour = createBehaviour;
    this.#host = host;
    this.mailbox = new BoundedQueue<MailboxEntry>(mailboxLimitMessages);
  }

  get status(): CellStatus {
    return this.#status;
  }

  get runnable(): boolean {
    return this.#status === 'running' && !this.#busy && this.mailbox.length > 0;
  }

  /**
   * Runs the factory (first start and every restart; the mailbox is kept).
   * Rejects with the factory's error, leaving the cell suspended.
   */
  async start(): Promise<void> {
    if (this.#status !== 'suspended') throw new Error(`actor "${this.name}" cannot start from status ${this.#status}`);
    if (this.#stopHooks !== undefined && !this.#stopHooks.ended) throw new Error(`actor "${this.name}": the previous incarnation did not end`);
    this.#status = 'starting';
    const stopHooks = new StopHooks(this.name, (error) => this.#host.reportStopHookFailure(this.name, error));
    this.#stopHooks = stopHooks;
    this.#ctx = this.#makeContext(stopHooks);
    let behaviour: Behaviour<unknown>;
    try {
      behaviour = await this.#createBehaviour(this.#ctx);
      assertBehaviour(behaviour, this.name);
    } catch (error) {
      // What the factory set up before it failed is released: this incarnation never runs.
      stopHooks.runAll();
      if (this.#status === 'starting') this.#status = 'suspended';
      throw error;
    }
    // A stop may have arrived while an async factory ran.
    if (this.#status !== 'starting') return;
    this.#behaviour = behaviour;
    this.#status = 'running';
    if (this.mailbox.length > 0) this.#host.schedule(this);
  }

  /**
   * Calls `callback` once the mailbox has room again (or the cell stopped):
   * how a ring receiver that met a full mailbox knows when to go on.
   */
  whenRoom(callback: () => void): void {
    this.#roomWaiters.push(callback);
  }

  #wakeRoomWaiters(): void {
    if (this.#roomWaiters.length === 0) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Queues a message; false when the mailbox is at its bound. */
  enqueue(entry: MailboxEntry): boolean {
    if (!this.mailbox.push(entry)) return false;
    if (this.#status === 'running') this.#host.schedule(this);
    return true;
  }

  /** Handles the oldest message. Precondition: `runnable`. */
  processOne(): void {
    if (!this.runnable || this.#behaviour === undefined || this.#ctx === undefined) throw new Error(`actor "${this.name}" is not runnable`);
    const entry = this.mailbox.shift() as MailboxEntry;
    this.#wakeRoomWaiters();
    this.#current = entry;
    this.#replyDeferred = false;
    this.counters.messagesProcessed += 1;
    let result: unknown;
    this.#host.enter(this);
    try {
      result = this.#behaviour.receive(entry.message, this.#ctx);
    } catch (error) {
      this.#host.leave();
      this.#fail(entry, error);
      return;
    }
    this.#host.leave();
    if (isThenable(result)) {
      this.#busy = true;
      result.then(
        (value) => this.#settleAsync(entry, { ok: true, value }),
        (error: unknown) => this.#settleAsync(entry, { ok: false, error }),
      );
      return;
    }
    this.#complete(entry, result);
  }

  /** Takes a running actor out of service without a crash (a restart requested by the control plane). */
  suspend(): void {
    if (this.#status !== 'running') return;
    this.#status = 'suspended';
    this.#behaviour = undefined;
    this.#stopHooks?.runAll();
  }

  /** Runs the current incarnation's stop hooks now (the actor is being stopped; `stop` follows). */
  endIncarnation(): void {
    this.#stopHooks?.runAll();
  }

  /** Refuses everything still queued; the cell takes no message after this. */
  stop(): StopOutcome {
    this.#status = 'stopped';
    this.#behaviour = undefined;
    this.#stopHooks?.runAll();
    let discardedMessages = 0;
    let rejectedAsks = 0;
    for (const entry of this.mailbox.drain()) {
      if (entry.replier === undefined) {
        discardedMessages += 1;
      } else {
        entry.replier.reject(new ActorStoppedError({ actor: this.name }));
        rejectedAsks += 1;
      }
    }
    this.#wakeRoomWaiters();
    return { discardedMessages, rejectedAsks };
  }

  #settleAsync(entry: MailboxEntry, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    this.#busy = false;
    if (outcome.ok) this.#complete(entry, outcome.value);
    else this.#fail(entry, outcome.error);
    if (this.runnable) this.#host.schedule(this);
  }

  #complete(entry: MailboxEntry, value: unknown): void {
    this.#current = undefined;
    if (entry.replier !== undefined && !this.#replyDeferred) entry.replier.resolve(value);
  }

  #fail(entry: MailboxEntry, error: unknown): void {
    this.#current = undefined;
    const answersAsk = entry.replier !== undefined && !this.#replyDeferred && !entry.replier.settled;
    if (error instanceof UnknownMessageError) {
      this.counters.messagesRejected += 1;
      if (answersAsk) entry.replier?.reject(error);
      else this.#host.reportRejection(this.name, error);
      return;
    }
    if (answersAsk) {
      const wire = toWireError(error, this.name);
      entry.replier?.reject(
        error instanceof RuntimeError ? error : new ActorFailedError(wire.details as ActorFailedError['details']),
      );
    }
    if (this.#status !== 'running') return;
    this.#status = 'suspended';
    this.#behaviour = undefined;
    // Released now, not at the restart: the backoff may be long, and the old timers must not tick meanwhile.
    this.#stopHooks?.runAll();
    this.#host.reportFailure(this.name, error);
  }

  #makeContext(stopHooks: StopHooks): ActorContext<unknown> {
    return {
      self: this.self,
      threadIndex: this.#host.threadIndex,
      become: (next: Behaviour<unknown>) => {
        assertBehaviour(next, this.name);
        if (this.#status === 'starting') throw new Error(`actor "${this.name}": return the first behaviour from the factory instead of calling become()`);
        // After a stop (an async receive still finishing) there is nothing left to become.
        if (this.#status === 'running') this.#behaviour = next;
      },
      lookup: <T>(name: string) => this.#host.lookup<T>(name),
      deferReply: <R>() => {
        const replier = this.#current?.replier;
        if (replier === undefined) throw new Error(`actor "${this.name}": deferReply() is only valid while handling an ask`);
        this.#replyDeferred = true;
        return replier as Replier<R>;
      },
      onStop: (hook) => stopHooks.add(hook),
    };
  }
}

function assertBehaviour(value: unknown, actor: string): asserts value is Behaviour<unknown> {
  if (typeof value !== 'object' || value === null || typeof (value as { receive?: unknown }).receive !== 'function') {
    throw new TypeError(`actor "${actor}": a behaviour must be an object with a receive(message, ctx) method`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
