/**
 * The actor runtime of one thread (the main thread or a worker): it hosts the
 * thread's actor cells, routes every send, ask and reply either into a local
 * mailbox (same object, no encoding) or into the outbound link of the target's
 * thread, and dispatches the frames its ring receivers deliver.
 *
 * It decides nothing about supervision or placement: failures and refused
 * messages are reported (`report`) to the ActorSystem on the main thread,
 * which answers through the control plane. It never blocks the thread.
 */
import { ActorCell, type BehaviourFactory, type CellHost, type MailboxEntry, type StopOutcome } from './actor-cell.ts';
import { ActorRef, Replier, installRouter, uninstallRouter, type ReplyOutcome, type Router } from './actor-ref.ts';
import { Directory, type DirectoryChange } from './directory.ts';
import { FrameKind, parseEnvelope, type Envelope } from './envelope.ts';
import {
  ActorExistsError,
  ActorNotFoundError,
  ActorStoppedError,
  MailboxFullError,
  SystemShutdownError,
  ThreadDiedError,
  fromWireError,
  toWireError,
  type RuntimeError,
  type WireError,
} from './errors.ts';
import { OutboundLink } from './outbound-link.ts';
import { PendingAsks } from './pending-asks.ts';
import { RingReceiver, RingSender } from './ring/index.ts';
import { Scheduler } from './scheduler.ts';

export interface ThreadLimits {
  readonly mailboxLimitMessages: number;
  readonly outboxLimitMessages: number;
  readonly pendingAsksLimit: number;
  readonly batchMessagesPerCell: number;
  readonly turnBudgetMessages: number;
  readonly actorsPerThreadMax: number;
  readonly stoppedNamesMax: number;
  /** Frames a ring receiver of this thread hands over per event-loop turn (per round, see ringRoundsPerTurn). */
  readonly ringFramesPerTurn: number;
  /** Drain-then-check rounds per turn while frames keep arriving (RingReceiverOptions.roundsPerTurnMax). */
  readonly ringRoundsPerTurn: number;
}

/** What a thread tells the supervisor (the ActorSystem on the main thread). */
export type ThreadReport =
  | { readonly type: 'actor-failed'; readonly actor: string; readonly error: WireError }
  | { readonly type: 'message-rejected'; readonly actor: string; readonly error: WireError }
  | { readonly type: 'stop-hook-failed'; readonly actor: string; readonly error: WireError }
  | { readonly type: 'link-error'; readonly peer: number; readonly message: string };

export interface ActorCounters {
  readonly name: string;
  readonly status: ActorCell['status'];
  readonly mailboxDepth: number;
  readonly messagesProcessed: number;
  readonly messagesRejected: number;
  readonly ringStalls: number;
}

export interface LinkCounters {
  readonly peer: number;
  readonly attached: boolean;
  readonly outboxDepth: number;
  readonly stalls: number;
  readonly framesReceived: number;
}

export interface CloseOutcome {
  /** Asks this thread was waiting on, rejected with SystemShutdownError. */
  readonly rejectedAsks: number;
  /** Messages (sends and asks) left unhandled in this thread's mailboxes. */
  readonly discardedMessages: number;
  /** Frames this thread had queued for a full ring, dropped. */
  readonly undeliveredFrames: number;
}

export class ThreadRuntime implements Router, CellHost {
  readonly threadIndex: number;
  readonly #limits: ThreadLimits;
  readonly #report: (report: ThreadReport) => void;
  readonly #cells = new Map<string, ActorCell>();
  readonly #directory: Directory;
  readonly #links = new Map<number, OutboundLink>();
  readonly #receivers = new Map<number, RingReceiver>();
  readonly #pending: PendingAsks;
  readonly #scheduler: Scheduler;
  #currentCell: ActorCell | undefined;
  #closed = false;

  constructor(threadIndex: number, limits: ThreadLimits, report: (report: ThreadReport) => void) {
    this.threadIndex = threadIndex;
    this.#limits = limits;
    this.#report = report;
    this.#directory = new Directory(limits.stoppedNamesMax);
    this.#pending = new PendingAsks(threadIndex, limits.pendingAsksLimit);
    this.#scheduler = new Scheduler({
      batchMessagesPerCell: limits.batchMessagesPerCell,
      turnBudgetMessages: limits.turnBudgetMessages,
      cellsMax: limits.actorsPerThreadMax,
    });
    installRouter(this);
  }

  // ---- Router: what refs and repliers call ----

  send(target: ActorRef<unknown>, message: unknown): void {
    this.#assertOpen('send');
    this.#assertNotStopped(target.name);
    if (target.thread === this.threadIndex) {
      const error = this.#deliverLocal(target.name, { message, replier: undefined });
      if (error !== undefined) throw error;
      return;
    }
    this.#post(target.thread, [FrameKind.send, target.name, message]);
  }

  ask(target: ActorRef<unknown>, message: unknown, timeoutMs: number): Promise<unknown> {
    let opened: ReturnType<PendingAsks['open']>;
    try {
      this.#assertOpen('ask');
      this.#assertNotStopped(target.name);
      opened = this.#pending.open(target.name, target.thread, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const { askId, reply } = opened;
    try {
      if (target.thread === this.threadIndex) {
        const replier = new Replier<unknown>(this.threadIndex, askId, target.name, this);
        const error = this.#deliverLocal(target.name, { message, replier });
        if (error !== undefined) throw error;
      } else {
        this.#post(target.thread, [FrameKind.ask, target.name, message, askId]);
      }
    } catch (error) {
      this.#pending.reject(askId, error);
    }
    return reply;
  }

  flush(thread: number): Promise<void> {
    return this.#links.get(thread)?.flush() ?? Promise.resolve();
  }

  settleReply(replier: Replier<unknown>, outcome: ReplyOutcome): void {
    if (replier.thread === this.threadIndex) {
      this.#pending.settle(replier.askId, outcome);
      return;
    }
    if (this.#closed) return;
    const frame = outcome.ok
      ? [FrameKind.replyOk, replier.askId, outcome.value]
      : [FrameKind.replyError, replier.askId, toWireError(outcome.error, replier.actor)];
    try {
      this.#post(replier.thread, frame);
    } catch (error) {
      // The reply itself cannot travel (not encodable, too large): the asker still gets an answer.
      try {
        this.#post(replier.thread, [FrameKind.replyError, replier.askId, toWireError(error, replier.actor)]);
      } catch (secondError) {
        // Not even an error fits (the outbox is full): the asker's timeout answers it.
        this.#report({ type: 'link-error', peer: replier.thread, message: `reply to ask ${replier.askId} lost: ${String(secondError)}` });
      }
    }
  }

  // ---- CellHost: what cells call ----

  schedule(cell: ActorCell): void {
    this.#scheduler.schedule(cell);
  }

  enter(cell: ActorCell): void {
    this.#currentCell = cell;
  }

  leave(): void {
    this.#currentCell = undefined;
  }

  reportFailure(actor: string, error: unknown): void {
    this.#report({ type: 'actor-failed', actor, error: toWireError(error, actor) });
  }

  reportRejection(actor: string, error: RuntimeError<object>): void {
    this.#report({ type: 'message-rejected', actor, error: toWireError(error, actor) });
  }

  reportStopHookFailure(actor: string, error: unknown): void {
    this.#report({ type: 'stop-hook-failed', actor, error: toWireError(error, actor) });
  }

  lookup<T>(name: string): ActorRef<T> {
    return new ActorRef<T>(name, this.#directory.threadOf(name), this);
  }

  // ---- Control: what the control plane calls on this thread ----

  /**
   * Registers an actor here without starting it: its mailbox accepts messages
   * at once, they wait for the first start. Used for actors adopted by a
   * replacement thread, so nothing sent to them during the backoff is refused.
   */
  placeLocal(name: string, createBehaviour: BehaviourFactory): void {
    this.#assertOpen('place an actor');
    if (this.#cells.has(name)) throw new ActorExistsError({ actor: name });
    if (this.#cells.size >= this.#limits.actorsPerThreadMax) {
      throw new RangeError(`thread ${this.threadIndex} already hosts ${this.#limits.actorsPerThreadMax} actors, its bound`);
    }
    this.#cells.set(name, new ActorCell(new ActorRef(name, this.threadIndex, this), createBehaviour, this.#limits.mailboxLimitMessages, this));
  }

  /** First start: rejects with the factory's error, and the actor is then not registered. */
  async spawnLocal(name: string, createBehaviour: BehaviourFactory): Promise<void> {
    this.placeLocal(name, createBehaviour);
    const cell = this.#cells.get(name) as ActorCell;
    try {
      await cell.start();
    } catch (error) {
      this.stopLocal(name);
      throw error;
    }
  }

  /** Runs a suspended actor's factory again, keeping its mailbox. Rejects with the factory's error (still suspended). */
  async restartLocal(name: string): Promise<void> {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw new ActorNotFoundError({ actor: name });
    if (cell.status === 'suspended') await cell.start();
  }

  /** Restarts a running actor on request: it gets a fresh behaviour (and state) and keeps its mailbox. */
  async suspendAndRestartLocal(name: string): Promise<void> {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw new ActorNotFoundError({ actor: name });
    cell.suspend();
    await cell.start();
  }

  stopLocal(name: string): StopOutcome {
    const cell = this.#cells.get(name);
    if (cell === undefined) return { discardedMessages: 0, rejectedAsks: 0 };
    this.#cells.delete(name);
    return cell.stop();
  }

  applyDirectory(changes: readonly DirectoryChange[]): void {
    this.#directory.apply(changes);
    // An actor of this thread marked stopped refuses messages from now on, its own timers' sends
    // included: its incarnation ends here, so those timers are released before they can fire into
    // the refusal (a throw in a timer callback would take the whole thread down).
    for (const [name, entry] of changes) {
      if (entry?.status === 'stopped') this.#cells.get(name)?.endIncarnation();
    }
  }

  /** Joins this thread to `peer` through a fresh pair of rings (first start or a replaced peer). */
  attachPeer(peer: number, outboundRing: SharedArrayBuffer, inboundRing: SharedArrayBuffer): void {
    this.#assertOpen('attach a peer');
    if (peer === this.threadIndex) throw new RangeError('a thread has no ring to itself');
    this.#receivers.get(peer)?.stop();
    const receiver = new RingReceiver(inboundRing, { batchFramesMax: this.#limits.ringFramesPerTurn, roundsPerTurnMax: this.#limits.ringRoundsPerTurn });
    this.#receivers.set(peer, receiver);
    receiver.start(
      (frame) => this.#onFrame(frame, peer),
      (error) => this.#report({ type: 'link-error', peer, message: error.message }),
    );
    let link = this.#links.get(peer);
    if (link === undefined) {
      link = new OutboundLink(this.threadIndex, peer, this.#limits.outboxLimitMessages, (frame, error) =>
        this.#onUnsendable(peer, frame, error),
      );
      this.#links.set(peer, link);
    }
    link.attach(new RingSender(outboundRing));
  }

  /**
   * The peer thread died: asks waiting on its actors are rejected (their
   * outcome is unknown), and frames not yet in its ring wait for the
   * replacement thread.
   */
  peerDown(peer: number): number {
    this.#receivers.get(peer)?.stop();
    this.#receivers.delete(peer);
    this.#links.get(peer)?.detach();
    return this.#pending.rejectTargetingThread(peer, (actor) => new ThreadDiedError({ actor, thread: peer }));
  }

  actorCounters(): ActorCounters[] {
    return [...this.#cells.values()].map((cell) => ({
      name: cell.name,
      status: cell.status,
      mailboxDepth: cell.mailbox.length,
      messagesProcessed: cell.counters.messagesProcessed,
      messagesRejected: cell.counters.messagesRejected,
      ringStalls: cell.counters.ringStalls,
    }));
  }

  linkCounters(): LinkCounters[] {
    return [...this.#links.values()].map((link) => ({
      peer: link.toThread,
      attached: link.attached,
      outboxDepth: link.outboxDepth,
      stalls: link.stalls,
      framesReceived: this.#receivers.get(link.toThread)?.framesReceived ?? 0,
    }));
  }

  /**
   * Shuts this thread's runtime: asks this thread waits on are rejected with
   * SystemShutdownError, every mailbox is emptied (the senders of asks in
   * them hear ActorStoppedError if their thread still listens), rings close.
   * Idempotent.
   */
  close(): CloseOutcome {
    if (this.#closed) return { rejectedAsks: 0, discardedMessages: 0, undeliveredFrames: 0 };
    this.#closed = true;
    this.#scheduler.close();
    // Waiting callers first, so a local ask still in a mailbox hears SystemShutdownError, not ActorStoppedError.
    const rejectedAsks = this.#pending.rejectAll(() => new SystemShutdownError({ operation: 'a pending ask' }));
    let discardedMessages = 0;
    for (const name of [...this.#cells.keys()]) {
      const outcome = this.stopLocal(name);
      discardedMessages += outcome.discardedMessages + outcome.rejectedAsks;
    }
    let undeliveredFrames = 0;
    for (const link of this.#links.values()) undeliveredFrames += link.close().length;
    for (const receiver of this.#receivers.values()) receiver.stop();
    this.#receivers.clear();
    uninstallRouter(this);
    return { rejectedAsks, discardedMessages, undeliveredFrames };
  }

  // ---- internals ----

  #assertOpen(operation: string): void {
    if (this.#closed) throw new SystemShutdownError({ operation });
  }

  #assertNotStopped(name: string): void {
    if (this.#directory.get(name)?.status === 'stopped') throw new ActorStoppedError({ actor: name });
  }

  #post(thread: number, frame: readonly unknown[]): void {
    const link = this.#links.get(thread);
    if (link === undefined) throw new RangeError(`thread ${this.threadIndex} has no link to thread ${thread}`);
    if (link.post(frame) === 'queued' && this.#currentCell !== undefined) this.#currentCell.counters.ringStalls += 1;
  }

  /** Returns the error that refused the message, or undefined once it is queued. */
  #deliverLocal(name: string, entry: MailboxEntry): RuntimeError<object> | undefined {
    const cell = this.#cells.get(name);
    if (cell === undefined || cell.status === 'stopped') {
      return this.#directory.get(name)?.status === 'stopped'
        ? new ActorStoppedError({ actor: name })
        : new ActorNotFoundError({ actor: name });
    }
    if (!cell.enqueue(entry)) return new MailboxFullError({ actor: name, limitMessages: cell.mailbox.limit });
    return undefined;
  }

  #onFrame(frame: unknown, fromThread: number): void {
    if (this.#closed) return;
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(frame);
    } catch (error) {
      this.#report({ type: 'link-error', peer: fromThread, message: (error as Error).message });
      return;
    }
    switch (envelope[0]) {
      case FrameKind.send: {
        const name = envelope[1];
        this.#deliverFromPeer(fromThread, name, { message: envelope[2], replier: undefined }, (error) => this.reportRejection(name, error));
        return;
      }
      case FrameKind.ask: {
        const replier = new Replier<unknown>(fromThread, envelope[3], envelope[1], this);
        this.#deliverFromPeer(fromThread, envelope[1], { message: envelope[2], replier }, (error) => replier.reject(error));
        return;
      }
      case FrameKind.replyOk:
        this.#pending.resolve(envelope[1], envelope[2]);
        return;
      case FrameKind.replyError:
        this.#pending.reject(envelope[1], fromWireError(envelope[2]));
        return;
    }
  }

  /**
   * A message from another thread for a full mailbox is not refused: the
   * ring from that thread pauses with the message held here, so the sender
   * meets a full ring and waits (backpressure, nothing dropped or
   * reordered), and both go on once the actor has taken a message.
   */
  #deliverFromPeer(peer: number, name: string, entry: MailboxEntry, refuse: (error: RuntimeError<object>) => void): void {
    const error = this.#deliverLocal(name, entry);
    if (error === undefined) return;
    const cell = this.#cells.get(name);
    const receiver = this.#receivers.get(peer);
    if (!(error instanceof MailboxFullError) || cell === undefined || receiver === undefined) return refuse(error);
    const tryAgain = (): void => {
      if (this.#closed) return;
      const retry = this.#deliverLocal(name, entry);
      // Several paused peers may wait on one actor: whoever finds it full again waits again.
      if (retry instanceof MailboxFullError && this.#cells.get(name) === cell) return cell.whenRoom(tryAgain);
      if (retry !== undefined) refuse(retry);
      receiver.resume();
    };
    receiver.pause();
    cell.whenRoom(tryAgain);
  }

  /** A queued frame the ring refused for good: whoever waits on it hears why, else the supervisor. */
  #onUnsendable(peer: number, frame: readonly unknown[], error: unknown): void {
    const kind = frame[0];
    if (kind === FrameKind.ask) {
      this.#pending.reject(frame[3] as number, error);
    } else if (kind === FrameKind.send) {
      const actor = String(frame[1]);
      this.#report({ type: 'message-rejected', actor, error: toWireError(error, actor) });
    } else if (kind === FrameKind.replyOk) {
      this.settleReply(new Replier(peer, frame[1] as number, 'unknown', this), { ok: false, error });
    } else {
      this.#report({ type: 'link-error', peer, message: `an error reply could not be sent: ${String(error)}` });
    }
  }
}
