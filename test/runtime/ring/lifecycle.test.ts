import { once } from 'node:events';
import t from 'tap';
import { RingClosedError, RingReceiver, RingSender, allocateRing } from '../../../runtime/ring/index.ts';
import { startTsWorker } from './ts-worker.ts';

const peerUrl = new URL('./lifecycle-peer.worker.ts', import.meta.url);

function startScenario(scenario: string, ring = allocateRing(256)) {
  const worker = startTsWorker(peerUrl, { workerData: { scenario, ring } });
  const messages: unknown[] = [];
  const arrivals: ((message: unknown) => void)[] = [];
  worker.on('message', (message) => {
    const arrival = arrivals.shift();
    if (arrival === undefined) messages.push(message);
    else arrival(message);
  });
  worker.on('error', (error) => t.fail(`worker failed: ${String(error)}`));
  const exited = once(worker, 'exit').then(([code]) => code as number);
  // Messages may arrive before a subtest asks for them: queue them.
  const nextMessage = (): Promise<unknown> =>
    messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => arrivals.push(resolve));
  return { exited, nextMessage };
}

const timerCount = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

t.test('a running receiver holds one ref\'ed timer (a pending Atomics.waitAsync alone would let the thread exit)', async (t) => {
  const ring = allocateRing(256);
  const receiver = new RingReceiver(ring);
  const before = timerCount();
  receiver.start(
    () => {},
    () => {},
  );
  await new Promise((resolve) => setImmediate(resolve)); // let the loop reach its first sleep
  t.equal(timerCount(), before + 1, 'one timer keeps the thread alive while the receiver sleeps');
  receiver.stop();
  t.equal(timerCount(), before, 'stop() releases it');
});

// Worker start-up (tsx compiles in each worker) dominates these tests, so the workers start together, up front.
const echoRing = allocateRing(256);
const echoPeer = startScenario('echo-once', echoRing);
const closePeer = startScenario('close-drains');
const stopPeer = startScenario('stop-rejects-pending');

t.test('an idle receiver in another thread wakes for a message, and after stop() its thread exits by itself', async (t) => {
  const peer = echoPeer;
  t.equal(await peer.nextMessage(), 'ready');
  const sender = new RingSender(echoRing);
  const got = peer.nextMessage();
  t.ok(sender.trySend({ hello: 'worker' }));
  const outcome = await Promise.race([got, peer.exited.then((code) => ({ exitedBeforeDelivery: code }))]);
  t.same(outcome, { got: { hello: 'worker' } }, 'the idle receiver woke and delivered');
  t.equal(await peer.exited, 0, 'after stop() the worker exits by itself');
  sender.close();
});

t.test('close() lets the receiver drain what was written, then end; the thread exits by itself', async (t) => {
  const peer = closePeer;
  t.same(await peer.nextMessage(), { ended: true, received: 100, running: false });
  t.equal(await peer.exited, 0);
});

t.test('stop() rejects the sends waiting for space with RingClosedError; the thread exits by itself', async (t) => {
  const peer = stopPeer;
  t.same(await peer.nextMessage(), {
    outcomes: ['RingClosedError:receiver-stopped', 'RingClosedError:receiver-stopped'],
    later: 'RingClosedError',
    stalls: 2,
  });
  t.equal(await peer.exited, 0);
});

t.test('close() rejects waiting sends and later sends; no timer or immediate is left behind', async (t) => {
  const before = timerCount();
  const ring = allocateRing(256);
  const sender = new RingSender(ring);
  let written = 0;
  while (sender.trySend({ seq: written })) written++;
  const waiting = sender.send('waits');
  t.equal(timerCount(), before + 1, 'a waiting send holds one timer (the process must not exit with it unsent)');
  sender.close();
  await t.rejects(waiting, new RingClosedError('sender-closed'));
  await t.rejects(sender.send('late'), RingClosedError);
  t.throws(() => sender.trySend('late'), RingClosedError);
  t.equal(timerCount(), before, 'timers and immediates back to where they were');
});
