/**
 * Starts a worker thread whose entry is a .ts file. On Node 20, tsx registers
 * its loader only on the main thread, so the inherited `--import tsx` does
 * nothing inside a worker; this preloads tsx's register() in the worker itself.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const registerTsx = `data:text/javascript,import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();`;

export function startTsWorker(entry: URL, options: WorkerOptions = {}): Worker {
  return new Worker(entry, { ...options, execArgv: [...process.execArgv, `--import=${registerTsx}`] });
}
