/**
 * One end of a ring link in its own worker thread, for the cross-thread tests.
 * role 'send': sends {seq: 0..count-1} (trySend, falling back to send() when
 * the ring is full), closes, and reports its stalls.
 * role 'receive': checks that seq arrives as 0, 1, 2, … and reports what it saw
 * when the sender closes. Either end then has nothing left to do, so the
 * worker exits by itself only if the link left no handle open.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingReceiver, RingSender } from '../../../runtime/ring/index.ts';

interface PeerData {
  readonly role: 'send' | 'receive';
  readonly ring: SharedArrayBuffer;
  readonly count: number;
}

const { role, ring, count } = workerData as PeerData;
const port = parentPort!;

if (role === 'send') {
  const sender = new RingSender(ring);
  const startedAtNs = Number(process.hrtime.bigint());
  for (let seq = 0; seq < count; seq++) {
    const message = { seq };
    if (!sender.trySend(message)) await sender.send(message);
  }
  sender.close();
  port.postMessage({ stalls: sender.stalls, startedAtNs });
} else {
  const receiver = new RingReceiver(ring);
  let expected = 0;
  let outOfOrder = 0;
  let firstBad: unknown = null;
  const errors: string[] = [];
  receiver.start(
    (message) => {
      const seq = (message as { seq: number }).seq;
      if (seq !== expected && outOfOrder++ === 0) firstBad = { expected, got: seq };
      expected = seq + 1;
    },
    (error) => errors.push(error.message),
    () =>
      port.postMessage({
        received: receiver.messagesReceived,
        next: expected,
        outOfOrder,
        firstBad,
        errors,
        endedAtNs: Number(process.hrtime.bigint()),
      }),
  );
}
