/**
 * CPU-heavy one-shot jobs (building or checksumming a snapshot, hashing the
 * store) run in a piscina pool, away from the actor threads, so a long job
 * never stalls a mailbox. A job is (module URL, export name, args); it gets a
 * timeout and an AbortSignal, and piscina terminates the thread running a
 * cancelled job, so cancellation really stops the CPU work.
 *
 * The pool starts on first use and is small: on a 2-core machine the actor
 * workers already compete for the cores. The queue is bounded.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { InvalidOptionError, OffloadAbortedError, OffloadJobError, OffloadQueueFullError, OffloadTimeoutError } from './errors.ts';
import type { OffloadTask } from './offload-job.ts';

export interface OffloadJob {
  /** URL of the module (e.g. `new URL('./hash.ts', import.meta.url).href`). */
  readonly module: string;
  /** Name of the exported function to call. */
  readonly export: string;
  /** Structured-cloneable arguments. */
  readonly args?: readonly unknown[];
}

export interface OffloadRunOptions {
  /** Cancels (and rejects with OffloadTimeoutError) a job still running after this long. Default 60 000. */
  readonly timeoutMs?: number;
  /** Aborting cancels the job and rejects with OffloadAbortedError. */
  readonly signal?: AbortSignal;
}

export interface OffloadPoolOptions {
  readonly threads: number;
  readonly queueMax: number;
}

export const DEFAULT_OFFLOAD_TIMEOUT_MS = 60_000;
const OFFLOAD_ENTRY = new URL('./offload-entry.mjs', import.meta.url).href;
const IDLE_THREAD_TIMEOUT_MS = 5_000;

/** One or two threads: the cores left over once one is counted for the actor threads. */
export function defaultOffloadThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

export class OffloadPool {
  readonly #options: OffloadPoolOptions;
  #pool: Piscina<OffloadTask, unknown> | undefined;
  #closed = false;

  constructor(options: OffloadPoolOptions) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) {
      throw new InvalidOptionError({ option: 'offloadThreads', reason: `must be a positive integer, got ${options.threads}` });
    }
    if (!Number.isSafeInteger(options.queueMax) || options.queueMax < 1) {
      throw new InvalidOptionError({ option: 'offloadQueueMax', reason: `must be a positive integer, got ${options.queueMax}` });
    }
    this.#options = options;
  }

  async run<R>(job: OffloadJob, options: OffloadRunOptions = {}): Promise<R> {
    const label = `${job.export}@${job.module}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_OFFLOAD_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new InvalidOptionError({ option: 'timeoutMs', reason: `must be a positive integer, got ${timeoutMs}` });
    }
    if (this.#closed) throw new OffloadAbortedError({ job: label });
    if (options.signal?.aborted === true) throw new OffloadAbortedError({ job: label });
    const pool = this.#startPool();
    if (pool.queueSize >= this.#options.queueMax) throw new OffloadQueueFullError({ job: label, limitJobs: this.#options.queueMax });

    const cancel = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      cancel.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => cancel.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const task: OffloadTask = { module: job.module, export: job.export, args: job.args ?? [] };
      return (await pool.run(task, { signal: cancel.signal })) as R;
    } catch (error) {
      if (timedOut) throw new OffloadTimeoutError({ job: label, timeoutMs });
      if (cancel.signal.aborted || this.#closed) throw new OffloadAbortedError({ job: label });
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new OffloadJobError({ job: label, causeName: cause.name, causeMessage: cause.message });
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Cancels queued and running jobs (they reject with OffloadAbortedError) and stops the pool's threads. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }

  #startPool(): Piscina<OffloadTask, unknown> {
    this.#pool ??= new Piscina<OffloadTask, unknown>({
      filename: OFFLOAD_ENTRY,
      minThreads: 0,
      maxThreads: this.#options.threads,
      maxQueue: this.#options.queueMax,
      idleTimeout: IDLE_THREAD_TIMEOUT_MS,
      // 'sync' (piscina's default) parks an idle worker in a blocking Atomics.wait, which also
      // freezes async work a job left running, such as the import of its module (measured: a
      // first job waited ~10 s). Jobs here are few and heavy, so the port message costs nothing.
      atomics: 'disabled',
    });
    return this.#pool;
  }
}
