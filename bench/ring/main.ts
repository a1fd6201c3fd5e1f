/**
 * Ring link benchmark: the project's SharedArrayBuffer ring vs
 * MessagePort.postMessage (and vs the same link built on ringbuf.js), side by
 * side in one run, between two threads.
 *
 *   node --import tsx bench/ring/main.ts [scale]
 *
 * scale (default 1) multiplies the message counts. Sections:
 *  1. flat out, 64 B and 1 KiB messages, producer worker → consumer worker
 *     (2 busy threads; main waits): messages/s and one-way latency p50/p99
 *     (latency at saturation, so it includes queueing);
 *  2. (a) the consumer is the main thread while its event loop is kept busy
 *     with 200 µs tasks (2 busy threads);
 *  3. (b) an idle receiver's wake-up: one message per millisecond, the
 *     receiver asleep between them: one-way latency p50/p99; and the futex
 *     row, the same wake-up of a thread blocked in a synchronous
 *     Atomics.wait (no event loop, no message): the OS scheduler's floor;
 *  4. (c) own ring vs the ringbuf.js-based link: two-thread rows above, and
 *     CPU per message of each side measured on one thread (less disturbed by
 *     the rest of a shared machine);
 *  5. codec: msgpackr maps (used) vs records vs sequential records, and the
 *     decoder's cost by where a small payload lies in its source.
 * The last line is the 64 B flat-out throughput ratio ring / postMessage.
 */
import { once } from 'node:events';
import os from 'node:os';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { Packr, REUSE_BUFFER_MODE, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import { MessageDecoder, MessageEncoder } from '../../runtime/ring/codec.ts';
import { allocateRing } from '../../runtime/ring/index.ts';
import { HeaderWord, RING_HEADER_BYTES } from '../../runtime/ring/layout.ts';
// The worker-start helper lives with the ring tests (Node 20 needs tsx registered inside each worker).
import { startTsWorker } from '../../test/runtime/ring/ts-worker.ts';
import { consume, type ConsumeResult, type Endpoint, type ProduceResult, type Transport } from './endpoints.ts';
import { bodyBytesFor, nowNs } from './message.ts';
import { ownRingCosts, ringbufJsCosts, type SideCosts } from './one-thread.ts';
import type { PeerCommand } from './peer.worker.ts';
import { allocateRingbufJsLink } from './ringbufjs-link.ts';
import { allocateFutexBell } from './futex-baseline.ts';

const RING_CAPACITY_BYTES = 64 * 1024;
const BUSY_TASK_MS = 0.2;
const IDLE_INTERVAL_MS = 1;
/** A run takes seconds; past this it is reported as stuck instead of hanging the benchmark. */
const RUN_TIMEOUT_MS = 60_000;
const ONE_THREAD_ROUNDS = 5;

const scale = Number(process.argv[2] ?? 1);
if (!(scale > 0)) throw new Error(`scale must be a positive number, got ${process.argv[2]}`);
const count = (base: number): number => Math.max(100, Math.round(base * scale));

interface Row {
  readonly section: string;
  readonly transport: Transport;
  readonly messageBytes: number;
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly consumed: ConsumeResult;
  readonly stalls: number;
  readonly missedWakeups: number;
  /** Process CPU time (all threads) per message; includes the busy loop in section (a). */
  readonly cpuUsPerMessage: number;
}

/** Both ends of a fresh link: [producer side, consumer side, objects to transfer]. */
function link(transport: Transport): { producer: Endpoint; consumer: Endpoint; transferProducer: MessagePortLike[]; transferConsumer: MessagePortLike[] } {
  if (transport === 'ring') {
    const ring = allocateRing(RING_CAPACITY_BYTES);
    return { producer: { transport, ring }, consumer: { transport, ring }, transferProducer: [], transferConsumer: [] };
  }
  if (transport === 'futex') {
    const bell = allocateFutexBell();
    return { producer: { transport, bell }, consumer: { transport, bell }, transferProducer: [], transferConsumer: [] };
  }
  if (transport === 'ringbufjs') {
    const memory = allocateRingbufJsLink(RING_CAPACITY_BYTES);
    return { producer: { transport, memory }, consumer: { transport, memory }, transferProducer: [], transferConsumer: [] };
  }
  const { port1, port2 } = new MessageChannel();
  return { producer: { transport, port: port1 }, consumer: { transport, port: port2 }, transferProducer: [port1], transferConsumer: [port2] };
}
type MessagePortLike = MessageChannel['port1'];

function command<T>(worker: Worker, message: PeerCommand, transfer: MessagePortLike[]): Promise<T> {
  const reply = once(worker, 'message').then(([answer]) => {
    const { result, error } = answer as { result?: T; error?: string };
    if (error !== undefined) throw new Error(error);
    return result as T;
  });
  worker.postMessage(message, transfer);
  return reply;
}

async function run(
  section: string,
  transport: Transport,
  messageBytes: number,
  messages: number,
  intervalMs: number,
  threads: { producer: Worker; consumer: Worker | 'main' },
): Promise<Row> {
  process.stderr.write(`# running ${section}, ${transport}, ${messageBytes} B × ${messages}\n`);
  const ends = link(transport);
  const cpuBefore = process.cpuUsage();
  const spec = { endpoint: ends.producer, count: messages, bodyBytes: bodyBytesFor(messageBytes), intervalMs };
  const consumed =
    threads.consumer === 'main'
      ? consume(ends.consumer, messages)
      : command<ConsumeResult>(threads.consumer, { role: 'consume', endpoint: ends.consumer, count: messages }, ends.transferConsumer);
  const produced = command<ProduceResult>(threads.producer, { role: 'produce', spec }, ends.transferProducer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${section}, ${transport}: no result after ${RUN_TIMEOUT_MS / 1000} s; ${linkState(ends.consumer)}`)), RUN_TIMEOUT_MS);
  });
  const [consumerResult, producerResult] = await Promise.race([Promise.all([consumed, produced]), timedOut]).finally(() => clearTimeout(timer));
  if (consumerResult.received !== messages || consumerResult.outOfOrder !== 0) {
    throw new Error(`${transport}: ${consumerResult.received}/${messages} received, ${consumerResult.outOfOrder} out of order`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (consumerResult.lastAtNs - producerResult.startNs) / 1e9;
  return {
    section,
    transport,
    messageBytes,
    messages,
    messagesPerSecond: messages / seconds,
    consumed: consumerResult,
    stalls: producerResult.stalls,
    missedWakeups: producerResult.missedWakeups + consumerResult.missedWakeups,
    cpuUsPerMessage: (cpu.user + cpu.system) / messages,
  };
}

/** What a stuck run's link looked like, for the timeout message. */
function linkState(endpoint: Endpoint): string {
  if (endpoint.transport !== 'ring') return `${endpoint.transport} link`;
  const header = new Int32Array(endpoint.ring, 0, RING_HEADER_BYTES / 4);
  const word = (name: keyof typeof HeaderWord): string => `${name} ${Atomics.load(header, HeaderWord[name])}`;
  return ['writePosition', 'readPosition', 'readerSleeping', 'writerWaiting', 'state'].map((name) => word(name as keyof typeof HeaderWord)).join(', ');
}

/** Keeps the main thread's event loop busy with short CPU tasks until stopped. */
function busyEventLoop(): { stop: () => number } {
  let running = true;
  let tasks = 0;
  const task = (): void => {
    if (!running) return;
    const until = performance.now() + BUSY_TASK_MS;
    while (performance.now() < until);
    tasks++;
    setImmediate(task);
  };
  setImmediate(task);
  return {
    stop: () => {
      running = false;
      return tasks;
    },
  };
}

/**
 * msgpackr settings the link could use: maps (the link's), records without
 * shared structures, and records whose structures persist across the messages
 * of a stream (`sequential`).
 */
const CODEC_SETTINGS = {
  'useRecords false': { useRecords: false },
  'useRecords true': { useRecords: true },
  'sequential records': { sequential: true },
} as const;
type CodecSetting = keyof typeof CODEC_SETTINGS;

/** CPU ns to encode and decode one message with a codec setting (scratch-buffer encoding, decoding from offset 0 of a private copy). */
function codecNsPerMessage(setting: CodecSetting, messageBytes: number, iterations: number): number {
  const packr = new Packr({ ...CODEC_SETTINGS[setting] }); // copies: msgpackr writes its state into the options objects
  const unpackr = new Unpackr({ ...CODEC_SETTINGS[setting], copyBuffers: true });
  const body = new Uint8Array(bodyBytesFor(messageBytes));
  const copy = new Uint8Array(4096);
  const range = { start: 0, end: 0 };
  const sentAtNs = nowNs();
  const before = process.cpuUsage();
  for (let seq = 0; seq < iterations; seq++) {
    const encoded = packr.pack({ seq, sentAtNs: sentAtNs + seq, body }, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Buffer & { start: number; end: number };
    copy.set(encoded.subarray(encoded.start, encoded.end));
    range.end = encoded.end - encoded.start;
    unpackr.unpack(copy, range);
  }
  const cpu = process.cpuUsage(before);
  return ((cpu.user + cpu.system) * 1000) / iterations;
}

/**
 * CPU ns for the link's MessageDecoder to decode one 64 B message that lies
 * at offset 0 of its source (where FrameReader moves small payloads) or
 * further into a 64 KiB window (where the payload was copied from the ring).
 */
function decodeNsPerMessage(where: 'offset 0' | 'in a window', iterations: number): number {
  const encoder = new MessageEncoder();
  const decoder = new MessageDecoder();
  const body = new Uint8Array(bodyBytesFor(64));
  const window = new Uint8Array(RING_CAPACITY_BYTES);
  const encoded = encoder.encode({ seq: 0, sentAtNs: nowNs(), body });
  const messageBytes = encoded.end - encoded.start;
  const slots = Math.floor(window.length / messageBytes);
  for (let slot = 0; slot < slots; slot++) window.set(encoded.bytes.subarray(encoded.start, encoded.end), slot * messageBytes);
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const start = where === 'offset 0' ? 0 : (1 + (i % (slots - 1))) * messageBytes;
    decoder.decode(window, start, start + messageBytes);
  }
  const cpu = process.cpuUsage(before);
  return ((cpu.user + cpu.system) * 1000) / iterations;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function printRows(rows: Row[]): void {
  console.log('| section | transport | msg bytes | messages | msgs/s | p50 µs | p99 µs | max µs | CPU µs/msg | sender stalls |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const c = r.consumed;
    console.log(
      `| ${r.section} | ${r.transport} | ${r.transport === 'futex' ? 'none' : r.messageBytes} | ${fmt(r.messages)} | ${fmt(r.messagesPerSecond)} | ${fmt(c.latencyP50Us)} | ${fmt(c.latencyP99Us)} | ${fmt(c.latencyMaxUs)} | ${fmt(r.cpuUsPerMessage, 2)} | ${fmt(r.stalls)} |`,
    );
  }
}

const startedAt = performance.now();
console.log(`# command: node --import tsx bench/ring/main.ts${process.argv[2] === undefined ? '' : ` ${process.argv[2]}`}`);
console.log(
  `# node ${process.version}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: figures are noisy)`,
);
console.log(`# ring capacity ${RING_CAPACITY_BYTES / 1024} KiB (own ring and ringbuf.js); threads: 2 busy (producer + consumer) in every section, main idle unless it is the consumer`);

const peerUrl = new URL('./peer.worker.ts', import.meta.url);
const producer = startTsWorker(peerUrl);
const consumer = startTsWorker(peerUrl);
await Promise.all([once(producer, 'online'), once(consumer, 'online')]);

producer.on('error', (error) => console.error(`# producer thread failed: ${String(error)}`));
consumer.on('error', (error) => console.error(`# consumer thread failed: ${String(error)}`));
try {
  const rows: Row[] = [];
  const workers = { producer, consumer };
  // Warm-up: module loading, tsx compilation and JIT in both threads stay out of the figures.
  for (const transport of ['ring', 'port', 'ringbufjs'] as const) {
    for (const messageBytes of [64, 1024]) await run('warm-up', transport, messageBytes, count(20_000), 0, workers);
  }
  for (const [messageBytes, messages] of [
    [64, count(200_000)],
    [1024, count(50_000)],
  ] as const) {
    for (const transport of ['ring', 'port', 'ringbufjs'] as const) {
      rows.push(await run('flat out, worker→worker', transport, messageBytes, messages, 0, workers));
    }
  }
  for (const transport of ['ring', 'port'] as const) {
    const busy = busyEventLoop();
    const row = await run(`(a) flat out, worker→busy main`, transport, 64, count(100_000), 0, { producer, consumer: 'main' });
    busy.stop();
    rows.push(row);
  }
  for (const transport of ['ring', 'port', 'futex'] as const) {
    rows.push(await run(`(b) idle receiver, 1 msg/ms`, transport, 64, count(1_000), IDLE_INTERVAL_MS, workers));
  }
  printRows(rows);
  const missed = rows.filter((r) => r.transport === 'ring').reduce((sum, r) => sum + r.missedWakeups, 0);
  console.log(`# own ring: wake-ups missed and recovered by the 1 s recheck, all sections, both ends: ${missed}`);

  const codecIterations = count(200_000);
  const settings = Object.keys(CODEC_SETTINGS) as CodecSetting[];
  const codecNs = settings.map((setting) => `${setting} ${fmt(codecNsPerMessage(setting, 64, codecIterations))} ns`);
  console.log(`# codec, 64 B message, encode+decode on one thread, CPU: ${codecNs.join(', ')} (${fmt(codecIterations)} messages each)`);
  const decodeAtStart = decodeNsPerMessage('offset 0', codecIterations);
  const decodeInWindow = decodeNsPerMessage('in a window', codecIterations);
  console.log(
    `# decode of the 64 B message by the link's decoder, one thread, CPU: from offset 0 ${fmt(decodeAtStart)} ns, from inside a 64 KiB window ${fmt(decodeInWindow)} ns`,
  );

  for (const messageBytes of [64, 1024]) {
    const messages = count(messageBytes === 64 ? 100_000 : 20_000);
    const own: SideCosts[] = [];
    const ringbufJs: SideCosts[] = [];
    // Alternate which goes first: the garbage and JIT state one leaves behind lands on the other.
    for (let round = 0; round < ONE_THREAD_ROUNDS; round++) {
      if (round % 2 === 0) own.push(await ownRingCosts(messageBytes, messages));
      ringbufJs.push(await ringbufJsCosts(messageBytes, messages));
      if (round % 2 === 1) own.push(await ownRingCosts(messageBytes, messages));
    }
    const median = (costs: SideCosts[], side: keyof SideCosts): string => fmt([...costs.map((c) => c[side])].sort((a, b) => a - b)[costs.length >> 1]!);
    console.log(
      `# (c) one thread, CPU ns per ${messageBytes} B message (median of ${ONE_THREAD_ROUNDS} × ${fmt(messages)}): ` +
        `own ring send ${median(own, 'sendNs')} receive ${median(own, 'receiveNs')}; ` +
        `ringbuf.js-based send ${median(ringbufJs, 'sendNs')} receive ${median(ringbufJs, 'receiveNs')}`,
    );
  }

  const throughput = (section: string, transport: Transport, messageBytes: number): number =>
    rows.find((r) => r.section === section && r.transport === transport && r.messageBytes === messageBytes)!.messagesPerSecond;
  for (const messageBytes of [64, 1024]) {
    const flat = 'flat out, worker→worker';
    console.log(
      `# own ring / ringbuf.js-based ring throughput (${messageBytes} B): ${fmt(throughput(flat, 'ring', messageBytes) / throughput(flat, 'ringbufjs', messageBytes), 2)}`,
    );
  }
  console.log(`# total ${fmt((performance.now() - startedAt) / 1000, 1)} s`);
  producer.postMessage({ role: 'exit' } satisfies PeerCommand);
  consumer.postMessage({ role: 'exit' } satisfies PeerCommand);
  const flatRing = throughput('flat out, worker→worker', 'ring', 64);
  const flatPort = throughput('flat out, worker→worker', 'port', 64);
  console.log(`ring/postMessage throughput ratio (64 B): ${fmt(flatRing / flatPort, 2)}`);
} catch (error) {
  // A failed run may leave a thread waiting on its link: end both so the process exits.
  await Promise.all([producer.terminate(), consumer.terminate()]);
  throw error;
}
