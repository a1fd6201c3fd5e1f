/**
 * Scenarios for the lifecycle tests, each in its own worker so the test can
 * watch the worker exit by itself: it does only if the link left no handle.
 * - 'echo-once': a receiver waits (idle) for one message from the main thread,
 *   reports it and stops.
 * - 'close-drains': sender and receiver in this worker; the sender writes and
 *   closes; the receiver drains, then ends.
 * - 'stop-rejects-pending': sends wait on a full ring; the receiver stops
 *   without reading; the waiting sends must reject.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingReceiver, RingSender, allocateRing } from '../../../runtime/ring/index.ts';

type Scenario = 'echo-once' | 'close-drains' | 'stop-rejects-pending';
const { scenario, ring } = workerData as { scenario: Scenario; ring: SharedArrayBuffer };
const port = parentPort!;

function echoOnce(): void {
  const receiver = new RingReceiver(ring);
  receiver.start(
    (message) => {
      receiver.stop();
      port.postMessage({ got: message });
    },
    (error) => port.postMessage({ error: error.message }),
  );
  port.postMessage('ready');
}

function closeDrains(): void {
  const link = allocateRing(256);
  const sender = new RingSender(link);
  const receiver = new RingReceiver(link);
  const received: unknown[] = [];
  receiver.start(
    (message) => received.push(message),
    (error) => port.postMessage({ error: error.message }),
    () => port.postMessage({ ended: true, received: received.length, running: receiver.running }),
  );
  const sends = Array.from({ length: 100 }, (_, seq) => sender.send({ seq }));
  void Promise.all(sends).then(() => sender.close());
}

async function stopRejectsPending(): Promise<void> {
  const link = allocateRing(256);
  const sender = new RingSender(link);
  const receiver = new RingReceiver(link);
  let written = 0;
  while (sender.trySend({ seq: written })) written++;
  const waiting = [sender.send('a'), sender.send('b')].map((p) =>
    p.then(
      () => 'resolved',
      (error: Error) => `${error.name}:${(error as { reason?: string }).reason}`,
    ),
  );
  receiver.stop();
  const outcomes = await Promise.all(waiting);
  const later = await sender.send('c').then(
    () => 'resolved',
    (error: Error) => error.name,
  );
  port.postMessage({ outcomes, later, stalls: sender.stalls });
}

if (scenario === 'echo-once') echoOnce();
else if (scenario === 'close-drains') closeDrains();
else await stopRejectsPending();
