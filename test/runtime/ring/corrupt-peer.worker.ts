/**
 * A receiver in its own thread for the corrupt-frame tests. It starts reading
 * when told to (so the test can damage the ring first), forwards every
 * message and every reported error, answers 'ping' with 'pong' to show the
 * thread is alive, and exits when told to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CorruptFrameError, RingReceiver } from '../../../runtime/ring/index.ts';

const port = parentPort!;
const receiver = new RingReceiver((workerData as { ring: SharedArrayBuffer }).ring);

port.on('message', (command: 'start' | 'ping' | 'exit') => {
  if (command === 'start') {
    receiver.start(
      (message) => port.postMessage({ message }),
      (error) =>
        port.postMessage({
          error: error.name,
          ...(error instanceof CorruptFrameError ? { reason: error.reason, linkBroken: error.linkBroken } : {}),
        }),
    );
  } else if (command === 'ping') {
    port.postMessage({ pong: true, receiverRunning: receiver.running });
  } else {
    receiver.stop();
    port.close();
  }
});
