/**
 * What the ActorSystem drives on each thread that hosts actors: the control
 * API (spawn, restart, stop, ...) as asynchronous calls that settle even if
 * the thread dies. A worker thread's slot is a WorkerSlot (comlink over its
 * control port); the main thread's, for the 'main-thread' placement, is a
 * LocalThreadSlot that calls the main thread's runtime directly, with the
 * same results, so the system handles both alike.
 *
 * A LocalThreadSlot never outlives the runtime it drives: once the system
 * closes it, every call is refused (SystemShutdownError) instead of touching
 * a closed runtime.
 */
import type { WorkerControlApi } from './control-protocol.ts';
import { SystemShutdownError } from './errors.ts';
import type { ThreadRuntime } from './thread-runtime.ts';
import { createWorkerControl } from './worker-control.ts';

export type ControlOperation = keyof WorkerControlApi;
export type ControlArgs = { readonly [K in ControlOperation]: Parameters<WorkerControlApi[K]> };
export type ControlReturns = { readonly [K in ControlOperation]: Awaited<ReturnType<WorkerControlApi[K]>> };
/** The control API as a map the compiler can index with a generic operation name (no cast needed). */
type ControlTable = { readonly [K in ControlOperation]: (...args: ControlArgs[K]) => ControlReturns[K] | Promise<ControlReturns[K]> };

export interface ThreadSlot {
  readonly thread: number;
  /** 1 for the first thread on this index, +1 per replacement. */
  readonly incarnation: number;
  readonly alive: boolean;
  /** Rejects (never hangs) when the thread is gone. */
  call<K extends ControlOperation>(operation: K, ...args: ControlArgs[K]): Promise<ControlReturns[K]>;
}

export class LocalThreadSlot implements ThreadSlot {
  readonly thread: number;
  readonly incarnation = 1;
  readonly #control: ControlTable;
  #alive = true;

  constructor(runtime: ThreadRuntime) {
    this.thread = runtime.threadIndex;
    this.#control = createWorkerControl(runtime);
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Runs the operation on this thread's runtime; a synchronous throw becomes a rejection, as a remote call's would. */
  async call<K extends ControlOperation>(operation: K, ...args: ControlArgs[K]): Promise<ControlReturns[K]> {
    if (!this.#alive) throw new SystemShutdownError({ operation: `${operation} on thread ${this.thread}` });
    const method: (...a: ControlArgs[K]) => ControlReturns[K] | Promise<ControlReturns[K]> = this.#control[operation];
    return await method(...args);
  }

  /** Refuses every later call (the system closed the runtime). Idempotent. */
  close(): void {
    this.#alive = false;
  }
}
