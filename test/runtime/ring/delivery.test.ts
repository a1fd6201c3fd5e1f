import { once } from 'node:events';
import t from 'tap';
import { allocateRing } from '../../../runtime/ring/index.ts';
import { startTsWorker } from './ts-worker.ts';

const peerUrl = new URL('./sequence-peer.worker.ts', import.meta.url);

function startPeer(role: 'send' | 'receive', ring: SharedArrayBuffer, count: number): { result: Promise<unknown>; exited: Promise<number> } {
  const worker = startTsWorker(peerUrl, { workerData: { role, ring, count } });
  const result = once(worker, 'message').then(([message]) => message as unknown);
  const exited = once(worker, 'exit').then(([code]) => code as number);
  worker.on('error', (error) => t.fail(`${role} worker failed: ${String(error)}`));
  return { result, exited };
}

t.test('1,000,000 messages cross a 4 KiB ring between two workers in order, exactly once', async (t) => {
  const count = 1_000_000;
  const ring = allocateRing(4096); // ~250 small frames: the sender waits thousands of times
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  const receiver = startPeer('receive', ring, count);
  const sender = startPeer('send', ring, count);
  const [received, sent] = (await Promise.all([receiver.result, sender.result])) as [
    { received: number; next: number; outOfOrder: number; firstBad: unknown; errors: string[]; endedAtNs: number },
    { stalls: number; startedAtNs: number },
  ];
  const elapsedMs = performance.now() - startedAt;
  t.same(received.errors, [], 'no errors reported');
  t.equal(received.outOfOrder, 0, `no message out of order (first: ${JSON.stringify(received.firstBad)})`);
  t.equal(received.received, count, 'exactly count messages delivered');
  t.equal(received.next, count, 'the last message was the last one sent');
  t.ok(sent.stalls > 0, `a 4 KiB ring made the sender wait (${sent.stalls} stalls)`);
  const cpu = process.cpuUsage(cpuBefore);
  const transferMs = (received.endedAtNs - sent.startedAtNs) / 1e6;
  t.comment(
    `${count} messages: ${transferMs.toFixed(0)} ms from first send to end of stream, ` +
      `${elapsedMs.toFixed(0)} ms with both workers' start-up; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (all threads)`,
  );
  // Both ends are done: each worker exits by itself only if the link left no handle open.
  t.same(await Promise.all([receiver.exited, sender.exited]), [0, 0], 'both workers exit on their own');
});
