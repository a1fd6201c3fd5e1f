/**
 * Watch hub fan-out: events delivered per second to 1,000 watchers, on one
 * thread, through the real hub (publish, match, outbox, take). Plus a side-
 * by-side of the matcher alone: the hub's index against a linear scan of
 * every watcher, on the same events in the same run.
 *
 * Run: node --import tsx bench/watch-hub/fanout.ts [--events N]
 */

import { performance } from 'node:perf_hooks';
import type { ChangeEvent } from '../../actors/applier/mvcc/types.ts';
import { prefixEnd, WatchHub } from '../../actors/watch-hub/index.ts';
import type { WatchRequest } from '../../actors/watch-hub/index.ts';
import { WatcherIndex } from '../../actors/watch-hub/watcher-index.ts';
import type { KeyRange } from '../../actors/watch-hub/key-range.ts';
import { rangeContains, watchRange } from '../../actors/watch-hub/key-range.ts';
import { keyString } from '../../actors/watch-hub/key-bytes.ts';

const WATCHERS = 1_000;
const eventsArg = process.argv.indexOf('--events');
const EVENTS = eventsArg > 0 ? Number(process.argv[eventsArg + 1]) : 200_000;
const PUBLISH_BATCH = 64;
const VALUE = new Uint8Array(256);

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const keyOf = (i: number): string => `key/${String(i).padStart(4, '0')}`;

let seed = 42;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}

function makeEvents(count: number, keyCount: number, startRevision: number): ChangeEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const key = enc(`${keyOf(Math.floor(random() * keyCount))}/x`);
    const revision = startRevision + i;
    return { type: 'put', kv: { key, createRevision: revision, modRevision: revision, version: 1, value: VALUE, lease: 0 }, prevKv: null };
  });
}

interface Scenario {
  readonly name: string;
  readonly request: (i: number) => WatchRequest;
  readonly events: number;
}

function runHub(scenario: Scenario): { deliveredPerSecond: number; delivered: number; seconds: number } {
  const hub = new WatchHub({ currentRevision: 0, compactRevision: 0, startMs: 0, readEvents: () => [], maxQueuedEventsPerWatcher: 100_000, maxQueuedBytesPerWatcher: 1 << 30 });
  for (let i = 0; i < WATCHERS; i += 1) hub.create(scenario.request(i));
  const events = makeEvents(scenario.events, WATCHERS, 1);
  let delivered = 0;
  const started = performance.now();
  for (let i = 0; i < events.length; i += PUBLISH_BATCH) {
    hub.publish(events.slice(i, i + PUBLISH_BATCH));
    for (const id of hub.readyWatchIds()) {
      for (const response of hub.take(id, 1_000)) if (response.kind === 'events') delivered += response.events.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { deliveredPerSecond: delivered / seconds, delivered, seconds };
}

function matchRate(ranges: readonly KeyRange[], keys: readonly string[], useIndex: boolean): { perSecond: number; matches: number } {
  const index = new WatcherIndex<number>();
  ranges.forEach((range, i) => index.add(i, range));
  let matches = 0;
  const count = (): void => {
    matches += 1;
  };
  const started = performance.now();
  for (const key of keys) {
    if (useIndex) index.forEachMatch(key, count);
    else for (const range of ranges) if (rangeContains(range, key)) matches += 1;
  }
  return { perSecond: keys.length / ((performance.now() - started) / 1000), matches };
}

const scenarios: Scenario[] = [
  { name: '1k prefix watchers, distinct prefixes (each event -> 1 watcher)', request: (i) => ({ key: enc(keyOf(i)), rangeEnd: prefixEnd(enc(keyOf(i))) }), events: EVENTS },
  { name: '1k exact-key watchers, distinct keys (each event -> 1 watcher)', request: (i) => ({ key: enc(`${keyOf(i)}/x`) }), events: EVENTS },
  { name: '1k watchers on one prefix (each event -> 1,000 watchers)', request: () => ({ key: enc('key/'), rangeEnd: prefixEnd(enc('key/')) }), events: Math.max(1, Math.floor(EVENTS / 50)) },
];

console.log(`node --import tsx bench/watch-hub/fanout.ts --events ${EVENTS}`);
console.log(`1 thread; ${WATCHERS} watchers; 256-byte values; publish batches of ${PUBLISH_BATCH} revisions; drained after each batch`);
for (const scenario of scenarios) {
  runHub(scenario); // warm-up
  const { deliveredPerSecond, delivered, seconds } = runHub(scenario);
  console.log(`hub   | ${scenario.name}: ${Math.round(deliveredPerSecond).toLocaleString('en-US')} events delivered/s (${delivered.toLocaleString('en-US')} in ${seconds.toFixed(2)} s)`);
}

const prefixRanges = Array.from({ length: WATCHERS }, (_, i) => watchRange(enc(keyOf(i)), prefixEnd(enc(keyOf(i)))));
const probeKeys = makeEvents(Math.min(EVENTS, 50_000), WATCHERS, 1).map((e) => keyString(e.kv.key));
for (const useIndex of [true, false]) matchRate(prefixRanges, probeKeys.slice(0, 2_000), useIndex); // warm-up
const indexed = matchRate(prefixRanges, probeKeys, true);
const scanned = matchRate(prefixRanges, probeKeys, false);
if (indexed.matches !== scanned.matches) throw new Error(`matchers disagree: ${indexed.matches} vs ${scanned.matches}`);
console.log(`match | interval index: ${Math.round(indexed.perSecond).toLocaleString('en-US')} events/s; linear scan of ${WATCHERS} ranges: ${Math.round(scanned.perSecond).toLocaleString('en-US')} events/s; ratio ${(indexed.perSecond / scanned.perSecond).toFixed(1)}x (same ${probeKeys.length.toLocaleString('en-US')} keys, same run)`);
