/**
 * The ActorSystem: the runtime's entry point, on the main thread. It starts
 * the worker threads and wires them with rings, places and spawns actors,
 * supervises them (one-for-one restarts with backoff and a budget, escalation
 * past it), replaces worker threads that die and restarts their actors there,
 * and shuts everything down leaving no open handle.
 *
 * It owns the truth about where each actor lives (the directory) and pushes
 * every change to all threads before it becomes visible. It never handles
 * actor messages itself: the main thread's ThreadRuntime routes those.
 */
import { pack } from 'msgpackr';
import type { StopOutcome } from './actor-cell.ts';
import { ActorRef } from './actor-ref.ts';
import { ControlPlane, type ControlHost } from './control-plane.ts';
import type { ActorSpec, ControlResult, PeerRings, ThreadCounters } from './control-protocol.ts';
import { Directory, type DirectoryChange } from './directory.ts';
import {
  ActorExistsError,
  ActorNotFoundError,
  ActorStoppedError,
  InvalidOptionError,
  SystemShutdownError,
  ThreadDiedError,
  fromWireError,
  toWireError,
  type RuntimeError,
} from './errors.ts';
import { OffloadPool, type OffloadJob, type OffloadRunOptions } from './offload.ts';
import { wireFullMesh, wirePair } from './ring-mesh.ts';
import { RestartBudget, resolveSupervision, type SupervisionDecision, type SupervisionOptions } from './supervision.ts';
import { SystemEvents, type SystemEvent, type SystemEventListener } from './system-events.ts';
import { resolveSystemOptions, type ActorSystemOptions, type ResolvedSystemOptions } from './system-options.ts';
import { ThreadRuntime, type ThreadReport } from './thread-runtime.ts';
import { LocalThreadSlot, type ThreadSlot } from './thread-slot.ts';
import { WorkerSlot, WorkerThreadDiedError } from './worker-slot.ts';

const MAIN_THREAD = 0;
const ACTOR_NAME_MAX_CHARS = 256;

export interface SpawnOptions<A = unknown> {
  /** Unique name; also how placement groups refer to the actor. */
  readonly name: string;
  /** URL of the module exporting the actor definition (e.g. `new URL('./counter.ts', import.meta.url).href`). */
  readonly module: string;
  /** Name of the export made with defineActor(). */
  readonly export: string;
  /** Passed to the factory on every (re)start; must be msgpackr-encodable (refs are). */
  readonly args?: A;
  /** Overrides the system's supervision policy for this actor. */
  readonly supervision?: SupervisionOptions;
}

export interface ShutdownReport {
  /** Asks that callers (on any thread) were still waiting on, rejected with SystemShutdownError. */
  readonly rejectedAsks: number;
  /** Messages (sends and asks) left unhandled in mailboxes. */
  readonly discardedMessages: number;
  /** Frames still waiting for ring space. Frames already inside a ring end with their thread, uncounted. */
  readonly undeliveredFrames: number;
}

interface ActorRecord {
  readonly spec: ActorSpec;
  readonly thread: number;
  readonly budget: RestartBudget;
  status: 'starting' | 'live' | 'stopped';
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
}

type SystemState = 'running' | 'shutting-down' | 'shut-down';

export class ActorSystem {
  /** Number of worker threads (indices 1..workerCount; 0 is the main thread). */
  readonly workerCount: number;
  readonly control: ControlPlane;
  readonly #options: ResolvedSystemOptions;
  readonly #runtime: ThreadRuntime;
  /** Drives the main thread's own actors ('main-thread' placement) through the same control calls as a worker's. */
  readonly #mainSlot: LocalThreadSlot;
  /** Worker threads only. */
  readonly #slots = new Map<number, WorkerSlot>();
  readonly #incarnations = new Map<number, number>();
  readonly #replacing = new Map<number, Promise<void>>();
  #replacementChain: Promise<void> = Promise.resolve();
  readonly #records = new Map<string, ActorRecord>();
  readonly #directory: Directory;
  readonly #events = new SystemEvents();
  readonly #offload: OffloadPool;
  #state: SystemState = 'running';
  #shutdown: Promise<ShutdownReport> | undefined;

  private constructor(options: ResolvedSystemOptions) {
    this.#options = options;
    this.workerCount = options.placement.workerCount;
    this.#directory = new Directory(options.limits.stoppedNamesMax);
    this.#runtime = new ThreadRuntime(MAIN_THREAD, options.hostLimits, (report) => this.#onReport(MAIN_THREAD, report));
    this.#mainSlot = new LocalThreadSlot(this.#runtime);
    this.#offload = new OffloadPool({ threads: options.offloadThreads, queueMax: options.offloadQueueMax });
    this.control = new ControlPlane(this.#controlHost());
  }

  /** Starts the worker threads and wires every pair of threads with rings. */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const system = new ActorSystem(resolveSystemOptions(options));
    await system.#startWorkers();
    return system;
  }

  /** Listens to supervision and delivery events; returns the function that stops listening. */
  onEvent(listener: SystemEventListener): () => void {
    return this.#events.on(listener);
  }

  /** Places and starts an actor; resolves once every thread can address it. */
  async spawn<M>(options: SpawnOptions): Promise<ActorRef<M>> {
    this.#assertRunning('spawn');
    const spec = toActorSpec(options);
    if (this.#records.get(spec.name)?.status !== undefined) throw new ActorExistsError({ actor: spec.name });
    const thread = this.#options.placement.choose(spec.name, this.#liveActorsByThread());
    const record: ActorRecord = {
      spec,
      thread,
      budget: new RestartBudget(resolveSupervision(options.supervision, this.#options.supervision)),
      status: 'starting',
      restarts: 0,
      restartTimer: undefined,
    };
    this.#records.set(spec.name, record);
    try {
      const slot = await this.#slotFor(thread, spec.name);
      unwrap(await slot.call('spawn', spec));
      if (this.#liveSlot(thread) !== slot || !slot.alive) throw new ThreadDiedError({ actor: spec.name, thread });
    } catch (error) {
      this.#records.delete(spec.name);
      throw asRuntimeError(error, spec.name, thread);
    }
    // Running from here on: a crash, even before every thread knows the name, is supervised.
    record.status = 'live';
    await this.#publish([[spec.name, { thread, status: 'live' }]]);
    return new ActorRef<M>(spec.name, thread, this.#runtime);
  }

  /** A ref to a registered actor. Throws ActorNotFoundError or ActorStoppedError. */
  ref<M>(name: string): ActorRef<M> {
    return new ActorRef<M>(name, this.#directory.threadOf(name), this.#runtime);
  }

  /** Runs a CPU-heavy one-shot job in the offload pool (piscina). */
  offload<R>(job: OffloadJob, options: OffloadRunOptions = {}): Promise<R> {
    if (this.#state !== 'running') return Promise.reject(new SystemShutdownError({ operation: 'offload' }));
    return this.#offload.run<R>(job, options);
  }

  /**
   * Stops everything: asks still waiting are rejected with SystemShutdownError
   * (an actor's ask to an actor on another worker may see ActorStoppedError
   * instead, if that worker emptied its mailboxes first), mailboxes are
   * emptied, worker and offload threads end. Resolves with what was refused;
   * afterwards nothing holds the process open. Idempotent.
   */
  shutdown(): Promise<ShutdownReport> {
    this.#shutdown ??= this.#shutDown();
    return this.#shutdown;
  }

  // ---- start and thread replacement ----

  async #startWorkers(): Promise<void> {
    const workers = Array.from({ length: this.workerCount }, (_, i) => i + 1);
    const wiring = wireFullMesh([MAIN_THREAD, ...workers], this.#options);
    const started = await Promise.allSettled(workers.map((thread) => this.#startSlot(thread, wiring.get(thread) ?? [], [])));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.terminate() : undefined)));
      this.#runtime.close();
      throw (failure as PromiseRejectedResult).reason;
    }
    for (const result of started) {
      const slot = (result as PromiseFulfilledResult<WorkerSlot>).value;
      this.#slots.set(slot.thread, slot);
    }
    for (const rings of wiring.get(MAIN_THREAD) ?? []) this.#runtime.attachPeer(rings.peer, rings.outbound, rings.inbound);
  }

  #startSlot(thread: number, peers: readonly PeerRings[], adopt: readonly ActorSpec[]): Promise<WorkerSlot> {
    const incarnation = (this.#incarnations.get(thread) ?? 0) + 1;
    this.#incarnations.set(thread, incarnation);
    return WorkerSlot.start({
      boot: { threadIndex: thread, limits: this.#options.limits, peers, directory: this.#directory.snapshot(), adopt, nice: this.#options.workerNice },
      incarnation,
      resourceLimits: this.#options.workerResourceLimits,
      startTimeoutMs: this.#options.startTimeoutMs,
      controlTimeoutMs: this.#options.controlTimeoutMs,
      onReport: (report) => this.#onReport(thread, report),
      onDeath: (reason) => this.#onThreadDeath(thread, reason),
    });
  }

  #onThreadDeath(thread: number, reason: string): void {
    if (this.#state !== 'running') return;
    this.#slots.delete(thread);
    const lost = [...this.#records.values()].filter((r) => r.thread === thread && r.status === 'live');
    // Detach first: from here on, messages for the dead thread wait for its replacement.
    this.#runtime.peerDown(thread);
    for (const slot of this.#slots.values()) {
      slot.call('peerDown', thread).catch(() => {
        // That thread is dying too; its own replacement rewires it.
      });
    }
    this.#events.emit({ type: 'thread-died', thread, reason, actors: lost.map((r) => r.spec.name) });
    // One replacement at a time, so each new worker is wired to every thread that is up when it starts.
    const replacement = this.#replacementChain
      .then(() => this.#replaceThread(thread, lost))
      .catch((error: unknown) => {
        if (this.#state === 'running') this.#events.emit({ type: 'thread-lost', thread, reason: String(error) });
      });
    this.#replacementChain = replacement;
    this.#replacing.set(thread, replacement);
    void replacement.finally(() => {
      if (this.#replacing.get(thread) === replacement) this.#replacing.delete(thread);
    });
  }

  /** Starts a new worker on the dead thread's index, adopts its actors and restarts them under supervision. */
  async #replaceThread(thread: number, lostAtDeath: readonly ActorRecord[]): Promise<void> {
    // Actors stopped while an earlier replacement ran are not brought back.
    const lost = lostAtDeath.filter((record) => record.status === 'live');
    const peers = [MAIN_THREAD, ...this.#slots.keys()];
    const pairs = peers.map((peer) => wirePair(thread, peer, this.#options));
    let slot: WorkerSlot;
    try {
      slot = await this.#startSlot(thread, pairs.map(([forThread]) => forThread), lost.map((r) => r.spec));
    } catch (error) {
      if (this.#state !== 'running') return;
      this.#events.emit({ type: 'thread-lost', thread, reason: String(error) });
      for (const record of lost) this.#escalate(record, new ThreadDiedError({ actor: record.spec.name, thread }), 0);
      return;
    }
    if (this.#state !== 'running') {
      await slot.terminate();
      return;
    }
    this.#slots.set(thread, slot);
    this.#events.emit({ type: 'thread-replaced', thread, incarnation: slot.incarnation });
    await Promise.allSettled(
      pairs.map(([, forPeer], i) => {
        const peer = peers[i] as number;
        if (peer === MAIN_THREAD) {
          this.#runtime.attachPeer(thread, forPeer.outbound, forPeer.inbound);
          return Promise.resolve();
        }
        return this.#slots.get(peer)?.call('attachPeer', forPeer);
      }),
    );
    for (const record of lost) {
      if (record.status === 'live') this.#supervise(record, new ThreadDiedError({ actor: record.spec.name, thread }), 'thread-died');
    }
  }

  /** The live slot hosting `thread`, waiting for a replacement in progress. */
  async #slotFor(thread: number, actor: string): Promise<ThreadSlot> {
    await this.#replacing.get(thread);
    const slot = this.#liveSlot(thread);
    if (slot === undefined || !slot.alive) throw new ThreadDiedError({ actor, thread });
    return slot;
  }

  /** The slot on `thread` now: the main thread's own, or the current worker's (none while it is replaced). */
  #liveSlot(thread: number): ThreadSlot | undefined {
    return thread === MAIN_THREAD ? this.#mainSlot : this.#slots.get(thread);
  }

  // ---- supervision ----

  #onReport(thread: number, report: ThreadReport): void {
    switch (report.type) {
      case 'actor-failed': {
        const record = this.#records.get(report.actor);
        if (record === undefined || record.status !== 'live') return;
        const error = fromWireError(report.error);
        this.#events.emit({ type: 'actor-failed', actor: report.actor, thread, error });
        this.#supervise(record, error, 'crash');
        return;
      }
      case 'message-rejected':
        this.#events.emit({ type: 'message-rejected', actor: report.actor, thread, error: fromWireError(report.error) });
        return;
      case 'stop-hook-failed':
        this.#events.emit({ type: 'stop-hook-failed', actor: report.actor, thread, error: fromWireError(report.error) });
        return;
      case 'link-error':
        this.#events.emit({ type: 'link-error', thread, peer: report.peer, message: report.message });
        return;
    }
  }

  #supervise(record: ActorRecord, error: RuntimeError<object>, reason: 'crash' | 'thread-died'): void {
    if (this.#state !== 'running' || record.status !== 'live') return;
    const decision = record.budget.onFailure(Date.now());
    if (decision.action === 'escalate') {
      this.#escalate(record, error, decision.restartsInWindow);
      return;
    }
    clearTimeout(record.restartTimer);
    record.restartTimer = setTimeout(() => void this.#restart(record, decision, reason), decision.delayMs);
  }

  async #restart(
    record: ActorRecord,
    decision: Extract<SupervisionDecision, { action: 'restart' }>,
    reason: 'crash' | 'thread-died',
  ): Promise<void> {
    record.restartTimer = undefined;
    if (this.#state !== 'running' || record.status !== 'live') return;
    const name = record.spec.name;
    let result: ControlResult<null>;
    try {
      const slot = await this.#slotFor(record.thread, name);
      result = await slot.call('restart', name);
    } catch (error) {
      // A thread that died meanwhile: its replacement supervises this actor again.
      if (error instanceof WorkerThreadDiedError || error instanceof ThreadDiedError) return;
      // Anything else (a control call that timed out on a hung thread) counts as another failure.
      result = { ok: false, error: toWireError(error, name) };
    }
    if (!result.ok) {
      const error = fromWireError(result.error);
      this.#events.emit({ type: 'actor-failed', actor: name, thread: record.thread, error });
      this.#supervise(record, error, reason);
      return;
    }
    record.restarts += 1;
    this.#events.emit({ type: 'actor-restarted', actor: name, thread: record.thread, reason, attempt: decision.attempt, delayMs: decision.delayMs });
  }

  #escalate(record: ActorRecord, error: RuntimeError<object>, restartsInWindow: number): void {
    this.#events.emit({ type: 'actor-escalated', actor: record.spec.name, thread: record.thread, restartsInWindow, error });
    this.#stopActor(record.spec.name, 'escalated').catch((stopError: unknown) => {
      process.emitWarning(`stopping escalated actor "${record.spec.name}" failed: ${String(stopError)}`);
    });
  }

  async #stopActor(name: string, reason: 'requested' | 'escalated'): Promise<StopOutcome> {
    this.#assertRunning('stop');
    const record = this.#records.get(name);
    if (record === undefined) {
      if (this.#directory.get(name)?.status === 'stopped') throw new ActorStoppedError({ actor: name });
      throw new ActorNotFoundError({ actor: name });
    }
    record.status = 'stopped';
    clearTimeout(record.restartTimer);
    this.#records.delete(name);
    // Refuse new messages everywhere first, then empty the mailbox.
    await this.#publish([[name, { thread: record.thread, status: 'stopped' }]]);
    let outcome: StopOutcome = { discardedMessages: 0, rejectedAsks: 0 };
    const slot = this.#liveSlot(record.thread);
    if (slot !== undefined && slot.alive) {
      try {
        outcome = await slot.call('stop', name);
      } catch {
        // The thread died: the actor and its mailbox went with it.
      }
    }
    this.#events.emit({ type: 'actor-stopped', actor: name, thread: record.thread, reason, ...outcome });
    return outcome;
  }

  async #restartActorNow(name: string): Promise<void> {
    this.#assertRunning('restart');
    const record = this.#records.get(name);
    if (record === undefined || record.status !== 'live') throw new ActorNotFoundError({ actor: name });
    const slot = await this.#slotFor(record.thread, name);
    const result = await slot.call('restartNow', name);
    if (!result.ok) {
      const error = fromWireError(result.error);
      this.#events.emit({ type: 'actor-failed', actor: name, thread: record.thread, error });
      this.#supervise(record, error, 'crash');
      throw error;
    }
    record.restarts += 1;
    this.#events.emit({ type: 'actor-restarted', actor: name, thread: record.thread, reason: 'requested', attempt: 0, delayMs: 0 });
  }

  // ---- directory, control host, shutdown ----

  /** Applies a directory change here and on every live thread before returning. */
  async #publish(changes: readonly DirectoryChange[]): Promise<void> {
    this.#directory.apply(changes);
    this.#runtime.applyDirectory(changes);
    // A thread that dies meanwhile gets the whole directory when it is replaced.
    await Promise.allSettled([...this.#slots.values()].map((slot) => slot.call('applyDirectory', changes)));
  }

  #liveActorsByThread(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const record of this.#records.values()) {
      if (record.status !== 'stopped') counts.set(record.thread, (counts.get(record.thread) ?? 0) + 1);
    }
    return counts;
  }

  #controlHost(): ControlHost {
    return {
      actorRecords: () =>
        [...this.#records.values()]
          .filter((r) => r.status === 'live')
          .map((r) => ({ name: r.spec.name, thread: r.thread, restarts: r.restarts })),
      threadCounters: async () => {
        const counters = new Map<number, ThreadCounters>([
          [MAIN_THREAD, { actors: this.#runtime.actorCounters(), links: this.#runtime.linkCounters() }],
        ]);
        const slots = [...this.#slots.values()];
        const answers = await Promise.allSettled(slots.map((slot) => slot.call('counters')));
        answers.forEach((answer, i) => {
          if (answer.status === 'fulfilled') counters.set((slots[i] as WorkerSlot).thread, answer.value);
        });
        return counters;
      },
      threadIncarnations: () => {
        const threads = new Map([[MAIN_THREAD, { incarnation: 1, alive: this.#state === 'running' }]]);
        for (const [thread, incarnation] of this.#incarnations) {
          threads.set(thread, { incarnation, alive: this.#slots.get(thread)?.alive ?? false });
        }
        return threads;
      },
      stopActor: (name) => this.#stopActor(name, 'requested'),
      restartActor: (name) => this.#restartActorNow(name),
    };
  }

  async #shutDown(): Promise<ShutdownReport> {
    this.#state = 'shutting-down';
    for (const record of this.#records.values()) clearTimeout(record.restartTimer);
    await Promise.allSettled(this.#replacing.values());
    this.#mainSlot.close();
    const mainOutcome = this.#runtime.close();
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    const outcomes = await Promise.all(
      slots.map(async (slot) => {
        try {
          return await slot.call('close');
        } catch {
          return { rejectedAsks: 0, discardedMessages: 0, undeliveredFrames: 0 };
        } finally {
          await slot.terminate();
        }
      }),
    );
    await this.#offload.close();
    this.#state = 'shut-down';
    return [mainOutcome, ...outcomes].reduce((sum, o) => ({
      rejectedAsks: sum.rejectedAsks + o.rejectedAsks,
      discardedMessages: sum.discardedMessages + o.discardedMessages,
      undeliveredFrames: sum.undeliveredFrames + o.undeliveredFrames,
    }));
  }

  #assertRunning(operation: string): void {
    if (this.#state !== 'running') throw new SystemShutdownError({ operation });
  }
}

function toActorSpec(options: SpawnOptions): ActorSpec {
  const { name, module, export: exportName } = options;
  if (typeof name !== 'string' || name.length === 0 || name.length > ACTOR_NAME_MAX_CHARS) {
    throw new InvalidOptionError({ option: 'name', reason: `must be a string of 1..${ACTOR_NAME_MAX_CHARS} characters` });
  }
  if (typeof module !== 'string' || !URL.canParse(module)) {
    throw new InvalidOptionError({ option: 'module', reason: "must be a module URL, e.g. new URL('./counter.ts', import.meta.url).href" });
  }
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new InvalidOptionError({ option: 'export', reason: 'must name the export made with defineActor()' });
  }
  let args: Uint8Array;
  try {
    // A copy: pack() may return a view into msgpackr's shared scratch buffer.
    args = new Uint8Array(pack(options.args));
  } catch (error) {
    throw new InvalidOptionError({ option: 'args', reason: `must be msgpackr-encodable: ${String(error)}` });
  }
  return { name, module, export: exportName, args };
}

function unwrap<T>(result: ControlResult<T>): T {
  if (!result.ok) throw fromWireError(result.error);
  return result.value;
}

function asRuntimeError(error: unknown, actor: string, thread: number): unknown {
  return error instanceof WorkerThreadDiedError ? new ThreadDiedError({ actor, thread }) : error;
}

export type { SystemEvent };
