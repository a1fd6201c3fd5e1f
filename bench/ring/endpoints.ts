/**
 * The two ends of one benchmark link, for each transport under comparison:
 * the project's ring, MessagePort.postMessage, and the ringbuf.js-based link
 * (plus the futex baseline of idle wake-ups, which carries no message).
 * produce() and consume() run on whichever thread holds the endpoint (a
 * worker, or the main thread for the busy-event-loop case).
 */
import type { MessagePort } from 'node:worker_threads';
import { RingReceiver, RingSender } from '../../runtime/ring/index.ts';
import { ringFutexBell, waitFutexBell } from './futex-baseline.ts';
import { nowNs, type BenchMessage } from './message.ts';
import { RingbufJsReceiver, RingbufJsSender, type RingbufJsLinkMemory } from './ringbufjs-link.ts';

export type Transport = 'ring' | 'port' | 'ringbufjs' | 'futex';

export type Endpoint =
  | { readonly transport: 'ring'; readonly ring: SharedArrayBuffer }
  | { readonly transport: 'port'; readonly port: MessagePort }
  | { readonly transport: 'ringbufjs'; readonly memory: RingbufJsLinkMemory }
  | { readonly transport: 'futex'; readonly bell: SharedArrayBuffer };

export interface ProduceSpec {
  readonly endpoint: Endpoint;
  readonly count: number;
  readonly bodyBytes: number;
  /** 0: send flat out; otherwise one message per interval (the receiver sleeps in between). */
  readonly intervalMs: number;
}

export interface ProduceResult {
  readonly startNs: number;
  readonly stalls: number;
  /** Own ring only: waits for space that ended by the recheck limit with space freed (a lost wake-up). */
  readonly missedWakeups: number;
}

export interface ConsumeResult {
  readonly received: number;
  readonly outOfOrder: number;
  readonly lastAtNs: number;
  readonly latencyP50Us: number;
  readonly latencyP99Us: number;
  readonly latencyMaxUs: number;
  /** Own ring only: sleeps that ended by the recheck limit with frames waiting (a lost wake-up). */
  readonly missedWakeups: number;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function produce({ endpoint, count, bodyBytes, intervalMs }: ProduceSpec): Promise<ProduceResult> {
  const body = Uint8Array.from({ length: bodyBytes }, (_, i) => i & 0xff);
  const startNs = nowNs();
  const next = (seq: number): BenchMessage => ({ seq, sentAtNs: nowNs(), body });
  if (endpoint.transport === 'futex') {
    return { ...(await ringFutexBell(endpoint.bell, count, intervalMs)), stalls: 0, missedWakeups: 0 };
  }
  if (endpoint.transport === 'ring') {
    const sender = new RingSender(endpoint.ring);
    for (let seq = 0; seq < count; seq++) {
      const message = next(seq);
      if (!sender.trySend(message)) await sender.send(message);
      if (intervalMs > 0) await pause(intervalMs);
    }
    sender.close();
    return { startNs, stalls: sender.stalls, missedWakeups: sender.missedWakeups };
  }
  if (endpoint.transport === 'ringbufjs') {
    const sender = new RingbufJsSender(endpoint.memory);
    for (let seq = 0; seq < count; seq++) {
      if (!sender.trySend(next(seq))) await sender.sendPending();
      if (intervalMs > 0) await pause(intervalMs);
    }
    return { startNs, stalls: sender.stalls, missedWakeups: 0 };
  }
  for (let seq = 0; seq < count; seq++) {
    endpoint.port.postMessage(next(seq));
    if (intervalMs > 0) await pause(intervalMs);
  }
  // The consumer closes the channel once it has every message: closing here could cut off messages in flight.
  return { startNs, stalls: 0, missedWakeups: 0 };
}

/** The latency below which `percent` of the samples lie (nearest rank), in whole µs. */
function percentileUs(sortedUs: Float64Array, percent: number): number {
  const rank = Math.min(sortedUs.length - 1, Math.ceil((percent / 100) * sortedUs.length) - 1);
  return Math.round(sortedUs[Math.max(0, rank)]!);
}

/**
 * Receives `count` messages and reports one-way latency percentiles. Each
 * latency is stored in a preallocated array and sorted at the end: an HDR
 * histogram's recordValue cost ~0.12 µs per message on the consumer thread
 * (about a tenth of its busy time in a --cpu-prof of the 64 B flat-out run),
 * harness work that slowed every transport's consumer alike.
 */
export function consume(endpoint: Endpoint, count: number): Promise<ConsumeResult> {
  if (endpoint.transport === 'futex') return Promise.resolve().then(() => consumeFutex(endpoint.bell, count));
  return new Promise((resolve, reject) => {
    const latencyUs = new Float64Array(count);
    let received = 0;
    let outOfOrder = 0;
    let stopEndpoint = (): void => {};
    let missedWakeups = (): number => 0;
    const onMessage = (raw: unknown): void => {
      const message = raw as BenchMessage;
      const atNs = nowNs();
      latencyUs[received] = (atNs - message.sentAtNs) / 1000;
      if (message.seq !== received) outOfOrder++;
      received++;
      if (received < count) return;
      stopEndpoint();
      latencyUs.sort();
      resolve({
        received,
        outOfOrder,
        lastAtNs: atNs,
        latencyP50Us: percentileUs(latencyUs, 50),
        latencyP99Us: percentileUs(latencyUs, 99),
        latencyMaxUs: percentileUs(latencyUs, 100),
        missedWakeups: missedWakeups(),
      });
    };
    if (endpoint.transport === 'ring') {
      const receiver = new RingReceiver(endpoint.ring);
      stopEndpoint = () => receiver.stop();
      missedWakeups = () => receiver.missedWakeups;
      receiver.start(onMessage, reject);
    } else if (endpoint.transport === 'ringbufjs') {
      const receiver = new RingbufJsReceiver(endpoint.memory);
      stopEndpoint = () => receiver.stop();
      receiver.start(onMessage);
    } else {
      const port = endpoint.port;
      stopEndpoint = () => port.close();
      port.on('message', onMessage);
    }
  });
}

/** The futex baseline's consumer: blocks this thread; latencies are per wake-up. */
function consumeFutex(bell: SharedArrayBuffer, count: number): ConsumeResult {
  const { rings, latencyUs, lastAtNs } = waitFutexBell(bell, count);
  latencyUs.sort();
  return {
    received: rings,
    outOfOrder: 0,
    lastAtNs,
    latencyP50Us: percentileUs(latencyUs, 50),
    latencyP99Us: percentileUs(latencyUs, 99),
    latencyMaxUs: percentileUs(latencyUs, 100),
    missedWakeups: 0,
  };
}
