/**
 * `watch`: --watchers watchers spread over --watch-keys keys (1: all on one
 * key) and over --watch-streams gRPC watch streams; the clients put to those
 * keys, and every put must reach every watcher of its key.
 *
 * Operations are the puts (their latency is the main histogram). Delivery
 * latency — from just before the put is sent to the event's arrival — goes to
 * the 'watch-delivery' histogram: the send time is written into the first 8
 * bytes of the value (process.hrtime, one clock for all threads of the
 * process). Each worker thread watches its own block of keys so that it can
 * count exactly which deliveries it is owed; after the last put it waits (at
 * most `deliveryWaitMs`) for them and reports the missing ones as errors.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { etcdMethods } from '../../proto/load.ts';
import type { WatchRequest, WatchResponse } from '../../proto/load.ts';
import { withDeadline } from '../deadline.ts';
import { formatKey, KeyPicker, makeValue } from '../keys.ts';
import { watchStampBytes } from '../options.ts';
import type { Workload, WorkloadContext } from '../workload.ts';

const createWaitMs = 30_000;
const deliveryWaitMs = 10_000;

type WatchCall = ClientDuplexStream<WatchRequest, WatchResponse>;

export function createWatchWorkload(ctx: WorkloadContext): Workload {
  const { watchKeys, keySizeBytes, valSizeBytes } = ctx.options;
  const { watchers, watchStreams } = ctx.share;
  if (valSizeBytes < watchStampBytes) throw new Error(`watch values must hold the ${watchStampBytes}-byte send stamp`);
  const keyBase = ctx.share.index * watchKeys;
  const keyOf = (j: number): Buffer => formatKey(keyBase + j, keySizeBytes);
  const picker = new KeyPicker(watchKeys, false);
  const template = makeValue(valSizeBytes);
  const deliveries = ctx.histogram('watch-delivery');
  const watchersOnKey = new Array<number>(watchKeys).fill(0);
  for (let w = 0; w < watchers; w++) watchersOnKey[w % watchKeys] = (watchersOnKey[w % watchKeys] ?? 0) + 1;

  const calls: WatchCall[] = [];
  let expected = 0;
  let delivered = 0;
  let closing = false;
  let onDelivered: (() => void) | null = null;

  const recordEvents = (response: WatchResponse): void => {
    const arrivedNs = process.hrtime.bigint();
    for (const event of response.events) {
      if (event.type !== 'PUT' || event.kv === null) continue;
      const sentNs = event.kv.value.readBigUInt64BE(0);
      deliveries.recordMs(Number(arrivedNs - sentNs) / 1e6);
      delivered++;
    }
    if (onDelivered !== null && delivered >= expected) onDelivered();
  };

  /** Opens stream `s`, creates its watchers, resolves once the server confirmed them all. */
  const openStream = (s: number): Promise<void> => {
    const keys: number[] = [];
    for (let w = s; w < watchers; w += watchStreams) keys.push(w % watchKeys);
    const call = ctx.conns[s % ctx.conns.length]?.bidi(etcdMethods.watch);
    if (call === undefined) throw new Error('watch: no connection');
    calls.push(call);
    let created = 0;
    const allCreated = new Promise<void>((resolve, reject) => {
      call.on('data', (response: WatchResponse) => {
        if (response.created) {
          if (++created === keys.length) resolve();
        } else if (response.canceled) {
          ctx.fail(`watch canceled by the server: ${response.cancel_reason || 'no reason given'}`);
        } else {
          recordEvents(response);
        }
      });
      call.on('error', (error: Error) => {
        if (closing) return;
        reject(error);
        ctx.fail(`watch stream failed: ${error.message}`);
      });
    });
    for (const j of keys) call.write({ create_request: { key: keyOf(j) } });
    return withDeadline(allCreated, createWaitMs, `creating ${keys.length} watchers`);
  };

  return {
    setup: async () => {
      await Promise.all(Array.from({ length: watchStreams }, (_, s) => openStream(s)));
    },
    op: async (client) => {
      const j = picker.next();
      const value = Buffer.from(template);
      value.writeBigUInt64BE(process.hrtime.bigint(), 0);
      await ctx.connFor(client).unary(etcdMethods.put, { key: keyOf(j), value });
      expected += watchersOnKey[j] ?? 0;
    },
    drain: async () => {
      if (delivered < expected) {
        const settled = new Promise<void>((resolve) => {
          onDelivered = resolve;
        });
        await withDeadline(settled, deliveryWaitMs, 'watch deliveries').catch(() => {});
        onDelivered = null;
      }
      ctx.count('watch-events-expected', expected);
      ctx.count('watch-events-delivered', delivered);
      if (delivered < expected) ctx.fail(`watch events not delivered within ${deliveryWaitMs} ms`, expected - delivered);
    },
    close: () => {
      closing = true;
      for (const call of calls) call.cancel();
    },
  };
}
