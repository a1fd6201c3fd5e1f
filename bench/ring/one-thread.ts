/**
 * CPU cost per message of each side of a ring link, measured on one thread so
 * that other processes on a shared machine disturb it less than a two-thread
 * run. One ring is reused: fill it with trySend (send CPU), let the receiver
 * drain it (receive CPU), repeat until N messages have crossed. CPU time
 * (process.cpuUsage), not wall time.
 */
import { RingReceiver, RingSender, allocateRing } from '../../runtime/ring/index.ts';
import { RING_HEADER_BYTES } from '../../runtime/ring/layout.ts';
import { bodyBytesFor, type BenchMessage } from './message.ts';
import { RINGBUF_JS_INDEX_BYTES, RingbufJsReceiver, RingbufJsSender, allocateRingbufJsLink } from './ringbufjs-link.ts';

export interface SideCosts {
  readonly sendNs: number;
  readonly receiveNs: number;
}

const CAPACITY_BYTES = 1024 * 1024;

const cpuNs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};

interface Link {
  trySend(message: BenchMessage): boolean;
  start(onMessage: () => void): void;
  stop(): void;
}

async function measure(link: Link, messageBytes: number, messages: number): Promise<SideCosts> {
  const body = new Uint8Array(bodyBytesFor(messageBytes));
  let received = 0;
  let drained: { upTo: number; resolve: () => void } | null = null;
  link.start(() => {
    received++;
    if (drained !== null && received === drained.upTo) drained.resolve();
  });
  let sent = 0;
  let sendNs = 0;
  let receiveNs = 0;
  // Bounded: every pass sends at least one message (the ring was drained before it).
  while (sent < messages) {
    const sendStart = cpuNs();
    while (sent < messages && link.trySend({ seq: sent, sentAtNs: 1.5, body })) sent++;
    sendNs += cpuNs() - sendStart;
    const receiveStart = cpuNs();
    await new Promise<void>((resolve) => {
      drained = { upTo: sent, resolve };
      if (received === sent) resolve();
    });
    receiveNs += cpuNs() - receiveStart;
  }
  link.stop();
  return { sendNs: sendNs / messages, receiveNs: receiveNs / messages };
}

export function ownRingCosts(messageBytes: number, messages: number): Promise<SideCosts> {
  const ring = allocateRing(CAPACITY_BYTES);
  new Uint8Array(ring, RING_HEADER_BYTES).fill(0); // first-touch page faults stay out of the figures
  const sender = new RingSender(ring);
  const receiver = new RingReceiver(ring);
  return measure(
    {
      trySend: (message) => sender.trySend(message),
      start: (onMessage) => receiver.start(onMessage, (error) => { throw error; }),
      stop: () => {
        sender.close();
        receiver.stop();
      },
    },
    messageBytes,
    messages,
  );
}

export function ringbufJsCosts(messageBytes: number, messages: number): Promise<SideCosts> {
  const memory = allocateRingbufJsLink(CAPACITY_BYTES);
  new Uint8Array(memory.storage, RINGBUF_JS_INDEX_BYTES).fill(0);
  const sender = new RingbufJsSender(memory);
  const receiver = new RingbufJsReceiver(memory);
  return measure(
    { trySend: (message) => sender.trySend(message), start: (onMessage) => receiver.start(onMessage), stop: () => receiver.stop() },
    messageBytes,
    messages,
  );
}
