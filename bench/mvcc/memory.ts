/**
 * Memory per key of the MVCC store (8-byte keys, 256-byte values, one
 * revision per key, loaded through `apply`), and, side by side in the same
 * process, what one 256-byte value costs held the ways the store could hold
 * it: Uint8Array copy, pooled Buffer copy, latin1 binary string (the
 * store's choice, see actors/applier/mvcc/keys.ts).
 *
 * Run: node --expose-gc --import tsx bench/mvcc/memory.ts [keys=1000000]
 * One thread. RSS deltas after full GCs; V8's heap and external bytes shown
 * too. Each phase releases its data before the next starts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MvccStore } from '../../actors/applier/mvcc/store.ts';

const KEY_BYTES = 8;
const VALUE_BYTES = 256;

interface Usage {
  rss: number;
  heap: number;
  external: number;
}

function settle(): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external };
}

function perItem(before: Usage, after: Usage, count: number): string {
  const f = (bytes: number): string => (bytes / count).toFixed(0);
  return `${f(after.rss - before.rss)} B | ${f(after.heap - before.heap)} B | ${f(after.external - before.external)} B`;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, s: number, e: number): string }).latin1Slice;

/** One measured phase; each runs in its own process so RSS is not muddied by memory an earlier phase freed. */
const PHASES: Record<string, { label: string; load(count: number): unknown }> = {
  store: { label: 'MvccStore, 1 revision per key', load: (count) => loadStore(count, 1, false) },
  'store-2-revisions': { label: 'MvccStore, 2 revisions per key', load: (count) => loadStore(count, 2, false) },
  'store-compacted': { label: 'MvccStore, 2 revisions per key, then compacted', load: (count) => loadStore(count, 2, true) },
  uint8array: { label: `one ${VALUE_BYTES}-byte value as a Uint8Array copy`, load: (count) => held(count, (source) => new Uint8Array(source)) },
  buffer: { label: `one ${VALUE_BYTES}-byte value as a pooled Buffer copy`, load: (count) => held(count, (source) => Buffer.from(source)) },
  latin1: { label: `one ${VALUE_BYTES}-byte value as a latin1 binary string`, load: (count) => held(count, (source) => latin1Slice.call(source, 0, VALUE_BYTES)) },
};

/** Puts every key `revisions` times (values from a pool of distinct 256-byte buffers), then optionally compacts. */
function loadStore(count: number, revisions: number, compact: boolean): MvccStore {
  const values = Array.from({ length: 1024 }, () => randomBytes(VALUE_BYTES));
  const key = Buffer.alloc(KEY_BYTES);
  const store = new MvccStore({ exists: () => false });
  let index = 0;
  for (let round = 0; round < revisions; round++) {
    for (let i = 0; i < count; i++) {
      key.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 0); // spread over the key space
      key.writeUInt32BE(i, 4);
      store.apply(++index, { type: 'put', key, value: values[(i + round) % values.length] as Buffer });
    }
  }
  if (compact) store.apply(++index, { type: 'compact', revision: store.currentRevision });
  if (store.currentRevision !== count * revisions + 1) throw new Error('load failed');
  return store;
}

function held(count: number, copy: (source: Buffer) => unknown): unknown[] {
  const source = randomBytes(VALUE_BYTES);
  const out: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) {
    source.writeUInt32LE(i, 0); // distinct contents, as real values
    out[i] = copy(source);
  }
  return out;
}

function measurePhase(name: string, count: number): void {
  const phase = PHASES[name];
  if (phase === undefined) throw new Error(`unknown phase ${name}`);
  const before = settle();
  const data = phase.load(count);
  const after = settle();
  process.stdout.write(`| ${phase.label} | ${perItem(before, after, count)} |\n`);
  if (data === null) throw new Error('unreachable: keeps the data alive until measured');
}

function main(): void {
  const keyCount = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(keyCount) || keyCount < 1 || keyCount > 20_000_000) throw new Error('keys must be an integer in [1, 20000000]');
  const phase = process.argv[3];
  if (phase !== undefined) return measurePhase(phase, keyCount);
  console.log(`# node --expose-gc --import tsx bench/mvcc/memory.ts ${keyCount}`);
  console.log(`# 1 thread; ${keyCount.toLocaleString('en-US')} items; keys of ${KEY_BYTES} bytes, values of ${VALUE_BYTES} bytes; per item: RSS | V8 heap | external; one process per row`);
  console.log('| what | RSS | heap | external |');
  console.log('|---|---|---|---|');
  for (const name of Object.keys(PHASES)) {
    process.stdout.write(execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(keyCount), name], { encoding: 'utf8' }));
  }
}

main();
