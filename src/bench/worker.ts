/**
 * Entry of a load-generating worker thread: prepares its share, reports
 * ready, waits for the coordinator's start so that every thread starts the
 * clock together, runs, posts the result and releases its connections so the
 * thread ends by itself. Never posts 'done' after 'failed'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareShare } from './share.ts';
import type { PreparedShare } from './share.ts';
import { progressIntervalMs } from './worker-protocol.ts';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('bench worker must run in a worker thread');
const post = (message: FromWorker): void => port.postMessage(message);
const { options, spec } = workerData as WorkerInput;

async function runWhenStarted(prepared: PreparedShare): Promise<void> {
  const progress = setInterval(() => post({ type: 'progress', completedOps: prepared.completedOps }), progressIntervalMs);
  try {
    post({ type: 'done', result: await prepared.run() });
  } catch (error) {
    post({ type: 'failed', message: (error as Error).message });
  } finally {
    clearInterval(progress);
    prepared.close();
  }
}

try {
  const prepared = await prepareShare(options, spec);
  port.once('message', (message: ToWorker) => {
    if (message.type !== 'start') throw new Error(`bench worker: unexpected message ${JSON.stringify(message)}`);
    void runWhenStarted(prepared);
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
