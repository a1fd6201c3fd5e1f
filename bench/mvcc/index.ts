/**
 * Index choice for the MVCC key index: our own binary-string B+tree against
 * `sorted-btree`, and latin1 binary-string keys (native `<`) against
 * Uint8Array keys (Buffer.compare), measured side by side in one process.
 *
 * Run: node --import tsx bench/mvcc/index.ts [keys=1000000] [rounds=3]
 * One thread. Every candidate sees the same keys in the same order; rounds
 * are interleaved so a noisy neighbour hurts all candidates alike, and the
 * best round per candidate is reported.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import sortedBtree from 'sorted-btree';
import { BinaryKeyBTree } from '../../actors/applier/mvcc/btree.ts';

const SortedBTree = sortedBtree.default;
const KEY_BYTES = 8;
const SCAN_COUNT = 20_000;
const SCAN_LENGTH = 100;

interface Ops<K> {
  set(key: K, value: number): void;
  get(key: K): number | undefined;
  delete(key: K): void;
  /** Sums up to `length` values from `low` upwards (so the work cannot be optimised away). */
  scan(low: K, length: number): number;
}

interface Candidate {
  readonly name: string;
  /** Builds fresh state and returns the operations over it, keyed by the candidate's representation. */
  run(keys: readonly Uint8Array[], order: readonly number[]): Timings;
}

interface Timings {
  insertPerSec: number;
  getPerSec: number;
  getFromBytesPerSec: number;
  scanKeysPerSec: number;
  deletePerSec: number;
}

const latin1Slice = Buffer.prototype.latin1Slice;
const toLatin1 = (bytes: Uint8Array): string =>
  latin1Slice.call(bytes, 0, bytes.length);

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function measure<K>(ops: Ops<K>, keys: readonly K[], rawKeys: readonly Uint8Array[], convert: (b: Uint8Array) => K, order: readonly number[]): Timings {
  const n = keys.length;
  let sink = 0;
  const insertSec = time(() => {
    for (let i = 0; i < n; i++) ops.set(keys[i] as K, i);
  });
  const getSec = time(() => {
    for (const i of order) sink += ops.get(keys[i] as K) ?? 0;
  });
  const getFromBytesSec = time(() => {
    for (const i of order) sink += ops.get(convert(rawKeys[i] as Uint8Array)) ?? 0;
  });
  const scanSec = time(() => {
    for (let s = 0; s < SCAN_COUNT; s++) sink += ops.scan(keys[order[s % n] as number] as K, SCAN_LENGTH);
  });
  const deleteSec = time(() => {
    for (const i of order) ops.delete(keys[i] as K);
  });
  if (sink === -1) console.log('unreachable');
  return {
    insertPerSec: n / insertSec,
    getPerSec: n / getSec,
    getFromBytesPerSec: n / getFromBytesSec,
    scanKeysPerSec: (SCAN_COUNT * SCAN_LENGTH) / scanSec,
    deletePerSec: n / deleteSec,
  };
}

const ownStringTree: Candidate = {
  name: 'own B+tree, latin1 string keys',
  run(raw, order) {
    const tree = new BinaryKeyBTree<number>();
    const ops: Ops<string> = {
      set: (k, v) => void tree.set(k, v),
      get: (k) => tree.get(k),
      delete: (k) => void tree.delete(k),
      scan(low, length) {
        let sum = 0;
        let left = length;
        tree.forRange(low, null, (_k, v) => {
          sum += v;
          return --left > 0;
        });
        return sum;
      },
    };
    return measure(ops, raw.map(toLatin1), raw, toLatin1, order);
  },
};

function sortedBtreeCandidate<K>(name: string, compare: (a: K, b: K) => number, convert: (b: Uint8Array) => K, beyondAll: K): Candidate {
  return {
    name,
    run(raw, order) {
      const tree = new SortedBTree<K, number>(undefined, compare);
      const ops: Ops<K> = {
        set: (k, v) => void tree.set(k, v),
        get: (k) => tree.get(k),
        delete: (k) => void tree.delete(k),
        scan(low, length) {
          // editRange is sorted-btree's fastest walk that can stop early.
          let sum = 0;
          let left = length;
          tree.editRange(low, beyondAll, true, (_k, v) => {
            sum += v;
            return --left === 0 ? { break: sum } : undefined;
          });
          return sum;
        },
      };
      return measure(ops, raw.map(convert), raw, convert, order);
    },
  };
}

const candidates: readonly Candidate[] = [
  ownStringTree,
  sortedBtreeCandidate<string>('sorted-btree, latin1 string keys (<)', (a, b) => (a < b ? -1 : a > b ? 1 : 0), toLatin1, '\xff'.repeat(KEY_BYTES + 1)),
  sortedBtreeCandidate<Uint8Array>('sorted-btree, Uint8Array keys (Buffer.compare)', (a, b) => Buffer.compare(a, b), (b) => b, Buffer.alloc(KEY_BYTES + 1, 0xff)),
];

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function main(): void {
  const keyCount = Number(process.argv[2] ?? 1_000_000);
  const rounds = Number(process.argv[3] ?? 3);
  if (!Number.isInteger(keyCount) || keyCount < SCAN_LENGTH) throw new Error(`keys must be an integer >= ${SCAN_LENGTH}`);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('rounds must be an integer in [1, 20]');
  const unique = new Map<string, Uint8Array>();
  while (unique.size < keyCount) {
    const key = randomBytes(KEY_BYTES);
    unique.set(toLatin1(key), key);
  }
  const keys = [...unique.values()];
  const order = shuffled(keyCount);
  const best = new Map<string, Timings>();
  for (let r = 0; r < rounds; r++) {
    for (const c of candidates) {
      const t = c.run(keys, order);
      const prev = best.get(c.name);
      best.set(c.name, prev === undefined ? t : {
        insertPerSec: Math.max(prev.insertPerSec, t.insertPerSec),
        getPerSec: Math.max(prev.getPerSec, t.getPerSec),
        getFromBytesPerSec: Math.max(prev.getFromBytesPerSec, t.getFromBytesPerSec),
        scanKeysPerSec: Math.max(prev.scanKeysPerSec, t.scanKeysPerSec),
        deletePerSec: Math.max(prev.deletePerSec, t.deletePerSec),
      });
    }
  }
  const base = best.get(ownStringTree.name) as Timings;
  const fmt = (v: number, b: number): string => `${(v / 1e6).toFixed(2)} M/s (${(v / b).toFixed(2)}x)`;
  console.log(`# node --import tsx bench/mvcc/index.ts ${keyCount} ${rounds}`);
  console.log(`# ${keyCount} random ${KEY_BYTES}-byte keys, 1 thread, best of ${rounds} interleaved rounds; ratio vs own B+tree`);
  console.log('| candidate | insert | get | get incl. bytes->key | scan (keys) | delete |');
  console.log('|---|---|---|---|---|---|');
  for (const c of candidates) {
    const t = best.get(c.name) as Timings;
    console.log(`| ${c.name} | ${fmt(t.insertPerSec, base.insertPerSec)} | ${fmt(t.getPerSec, base.getPerSec)} | ${fmt(t.getFromBytesPerSec, base.getFromBytesPerSec)} | ${fmt(t.scanKeysPerSec, base.scanKeysPerSec)} | ${fmt(t.deletePerSec, base.deletePerSec)} |`);
  }
}

main();
