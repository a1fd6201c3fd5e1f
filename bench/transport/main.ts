/**
 * Peer transport throughput over loopback: a sender member on the main
 * thread streams Raft 'append' messages (1 or 64 entries of 256 bytes each)
 * to a receiver member on a worker thread, keeping a window of messages in
 * flight; then one large snapshot. Two threads in all (sender, receiver).
 *
 *   node --import tsx bench/transport/main.ts [--quick]
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Entry, Message } from '../../actors/raft/core/types.ts';
import { PeerTransport } from '../../actors/transport/peer-transport.ts';
import { transportArgs } from '../../actors/transport/transport-args.ts';

const quick = process.argv.includes('--quick');
const ENTRY_BYTES = 256;
const WINDOW_MESSAGES = 2_048;
const SEND_BURST_MESSAGES = 256;
const CLUSTER_ID = 'be4c4';

const receiverArgs = transportArgs({ clusterId: CLUSTER_ID, memberId: 1, listen: [{ host: '127.0.0.1', port: 0 }], peers: [{ id: 2, peerUrls: ['http://127.0.0.1:1'] }], maxFrameBytes: 80 * 1024 * 1024 });
const worker = new Worker(new URL('./receiver-entry.mjs', import.meta.url), { workerData: receiverArgs });
const progress = new EventEmitter();
let acked = 0;
worker.on('message', (message: { type: string; total?: number; port?: number }) => {
  if (message.type === 'received') {
    acked = message.total ?? acked;
    progress.emit('acked');
  } else if (message.type === 'listening') {
    progress.emit('listening', message.port);
  }
});
worker.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
const [receiverPort] = (await EventEmitter.once(progress, 'listening')) as [number];

const sender = await PeerTransport.start(
  transportArgs({
    clusterId: CLUSTER_ID,
    memberId: 2,
    listen: [{ host: '127.0.0.1', port: 0 }],
    peers: [{ id: 1, peerUrls: [`http://127.0.0.1:${receiverPort}`] }],
    maxQueuedFramesPerPeer: WINDOW_MESSAGES * 2,
    maxFrameBytes: 80 * 1024 * 1024,
  }),
  { deliver: () => {}, runCall: () => Promise.reject(new Error('no calls')), log: (level, message) => console.error(`sender ${level}: ${message}`) },
);

function appendMessage(index: number, entriesPerAppend: number, payload: Uint8Array): Message {
  const entries: Entry[] = [];
  for (let i = 0; i < entriesPerAppend; i += 1) entries.push({ term: 1, index: index + i, kind: 'normal', data: payload });
  return { type: 'append', from: 2, to: 1, term: 1, prevIndex: index - 1, prevTerm: 1, entries, commit: index };
}

/** Sends `count` messages with at most WINDOW_MESSAGES unacknowledged; resolves with the elapsed ms. */
async function stream(count: number, make: (seq: number) => Message): Promise<number> {
  const base = acked;
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const topUp = () => {
      if (acked - base >= count) {
        progress.off('acked', topUp);
        resolve();
        return;
      }
      const room = Math.min(count - sent, WINDOW_MESSAGES - (sent - (acked - base)));
      for (let burst = 0; burst < room; burst += SEND_BURST_MESSAGES) {
        const messages: Message[] = [];
        for (let i = 0; i < Math.min(SEND_BURST_MESSAGES, room - burst); i += 1) messages.push(make(sent + i));
        sent += messages.length;
        sender.send(messages);
      }
    };
    progress.on('acked', topUp);
    topUp();
  });
  const dropped = sender.status().peers[0]?.droppedMessages ?? 0;
  if (dropped > 0) throw new Error(`the sender dropped ${dropped} messages: the window is larger than the queue`);
  return performance.now() - started;
}

const payload = randomBytes(ENTRY_BYTES);
console.log(`peer transport over loopback, ${ENTRY_BYTES}-byte entries, window ${WINDOW_MESSAGES} messages; sender on the main thread, receiver on a worker (2 threads)`);
console.log('workload                 | messages |     ms | messages/s | entries/s  | entry MiB/s');
for (const entriesPerAppend of [1, 64]) {
  const count = (quick ? 20_000 : 200_000) / (entriesPerAppend === 1 ? 1 : 16);
  await stream(Math.min(count, 2_000), (seq) => appendMessage(seq * entriesPerAppend + 1, entriesPerAppend, payload)); // warm-up
  const ms = await stream(count, (seq) => appendMessage(seq * entriesPerAppend + 1, entriesPerAppend, payload));
  const perSecond = (count / ms) * 1000;
  const mibPerSecond = (perSecond * entriesPerAppend * ENTRY_BYTES) / (1024 * 1024);
  console.log(
    `append, ${String(entriesPerAppend).padStart(2)} entries/message | ${String(count).padStart(8)} | ${ms.toFixed(0).padStart(6)} | ${perSecond.toFixed(0).padStart(10)} | ${(perSecond * entriesPerAppend).toFixed(0).padStart(10)} | ${mibPerSecond.toFixed(1).padStart(10)}`,
  );
}

const snapshotBytes = (quick ? 16 : 128) * 1024 * 1024;
const snapshot: Message = { type: 'snapshot', from: 2, to: 1, term: 1, snapshot: { meta: { index: 1, term: 1, conf: { voters: [1, 2], learners: [] } }, data: randomBytes(snapshotBytes) } };
const snapshotMs = await stream(1, () => snapshot);
console.log(`snapshot ${snapshotBytes / (1024 * 1024)} MiB in 1 MiB chunks: ${snapshotMs.toFixed(0)} ms, ${((snapshotBytes / (1024 * 1024)) / (snapshotMs / 1000)).toFixed(0)} MiB/s (CRC32 per chunk, SHA-256 of the whole, both ends)`);

await sender.close();
worker.postMessage({ type: 'close' });
await EventEmitter.once(worker, 'exit');
