/**
 * One incarnation of an actor worker thread, seen from the main thread: it
 * starts the Worker, wraps its control port with comlink, watches 'error' and
 * 'exit', and makes every control call settle, even when the thread dies or
 * hangs mid-call (comlink alone would wait forever). An exit that the system
 * did not ask for is reported once through `onDeath`.
 */
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerBoot, WorkerControlApi } from './control-protocol.ts';
import { ControlTimeoutError } from './errors.ts';
import type { ControlArgs, ControlOperation, ControlReturns, ThreadSlot } from './thread-slot.ts';
import type { ThreadReport } from './thread-runtime.ts';

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface WorkerSlotOptions {
  readonly boot: Omit<WorkerBoot, 'controlPort'>;
  readonly incarnation: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly startTimeoutMs: number;
  readonly controlTimeoutMs: number;
  readonly onReport: (report: ThreadReport) => void;
  readonly onDeath: (reason: string) => void;
}

type SlotState = 'starting' | 'running' | 'dead' | 'terminating';

export class WorkerThreadDiedError extends Error {
  override readonly name = 'WorkerThreadDiedError';
}

export class WorkerSlot implements ThreadSlot {
  readonly thread: number;
  readonly incarnation: number;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #remote: Comlink.Remote<WorkerControlApi>;
  readonly #options: WorkerSlotOptions;
  readonly #deathWaiters = new Set<(error: Error) => void>();
  #state: SlotState = 'starting';
  #lastError: Error | undefined;
  #released = false;
  #exited: Promise<void>;

  private constructor(options: WorkerSlotOptions) {
    this.thread = options.boot.threadIndex;
    this.incarnation = options.incarnation;
    this.#options = options;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const boot: WorkerBoot = { ...options.boot, controlPort: port2 };
    this.#worker = new Worker(WORKER_ENTRY, {
      workerData: boot,
      transferList: [port2],
      name: `conclave-actors-${this.thread}`,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    this.#remote = Comlink.wrap<WorkerControlApi>(nodeEndpoint(port1));
    this.#worker.on('message', (report: ThreadReport) => options.onReport(report));
    this.#worker.on('error', (error: Error) => {
      this.#lastError = error;
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', (code: number) => {
      this.#onExit(code);
      resolve();
    }));
  }

  /** Starts the thread and waits until its control API answers. */
  static async start(options: WorkerSlotOptions): Promise<WorkerSlot> {
    const slot = new WorkerSlot(options);
    try {
      await slot.#race('start', options.startTimeoutMs, () => slot.#remote.counters());
    } catch (error) {
      await slot.terminate();
      throw error;
    }
    slot.#state = 'running';
    return slot;
  }

  get alive(): boolean {
    return this.#state === 'starting' || this.#state === 'running';
  }

  /** Calls the worker's control API; rejects with WorkerThreadDiedError or ControlTimeoutError instead of hanging. */
  call<K extends ControlOperation>(operation: K, ...args: ControlArgs[K]): Promise<ControlReturns[K]> {
    if (!this.alive) return Promise.reject(new WorkerThreadDiedError(`thread ${this.thread} is not running (${operation})`));
    // comlink's Remote type does not carry the per-operation signatures through a generic key.
    const method = this.#remote[operation] as unknown as (...a: typeof args) => Promise<ControlReturns[K]>;
    return this.#race(operation, this.#options.controlTimeoutMs, () => method(...args));
  }

  /** Stops the thread on purpose (no death report). Idempotent. */
  async terminate(): Promise<void> {
    if (this.#state !== 'dead') this.#state = 'terminating';
    this.#releaseControl();
    await this.#worker.terminate();
    await this.#exited;
  }

  #race<T>(operation: string, timeoutMs: number, invoke: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onDeath = (error: Error): void => finish(() => reject(error));
      const timer = setTimeout(
        () => finish(() => reject(new ControlTimeoutError({ thread: this.thread, operation, timeoutMs }))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#deathWaiters.delete(onDeath);
        settle();
      };
      this.#deathWaiters.add(onDeath);
      invoke().then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => finish(() => reject(error)),
      );
    });
  }

  #releaseControl(): void {
    if (this.#released) return;
    this.#released = true;
    this.#remote[Comlink.releaseProxy]();
    this.#port.close();
  }

  #onExit(code: number): void {
    // A thread that dies while starting is reported by start()'s rejection instead.
    const unexpected = this.#state === 'running';
    this.#state = 'dead';
    const reason = this.#lastError === undefined ? `exited with code ${code}` : `${this.#lastError.name}: ${this.#lastError.message}`;
    for (const waiter of [...this.#deathWaiters]) waiter(new WorkerThreadDiedError(`thread ${this.thread} died: ${reason}`));
    this.#releaseControl();
    if (unexpected) this.#options.onDeath(reason);
  }
}
