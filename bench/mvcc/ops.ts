/**
 * MVCC store throughput, pure CPU (no Raft, no disk, no network): puts
 * through `apply` (with event creation, as the applier runs it), single-key
 * gets, 100-key range scans, a compare-and-put txn, plus snapshot encode /
 * decode / restore and HashKV over the loaded store.
 *
 * Run: node --import tsx bench/mvcc/ops.ts [keys=100000] [ops=200000]
 * One thread. 8-byte keys, 256-byte values.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import { decodeMemberCommand, encodeMemberCommand } from '../../actors/member/commands.ts';
import { decodeSnapshot, encodeSnapshot } from '../../actors/applier/mvcc/snapshot.ts';
import { MvccStore } from '../../actors/applier/mvcc/store.ts';

const KEY_BYTES = 8;
const VALUE_BYTES = 256;
const SCAN_KEYS = 100;
const noLeases = { exists: () => false };

function seconds(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function main(): void {
  const keyCount = Number(process.argv[2] ?? 100_000);
  const opCount = Number(process.argv[3] ?? 200_000);
  if (!Number.isInteger(keyCount) || keyCount < SCAN_KEYS) throw new Error(`keys must be an integer >= ${SCAN_KEYS}`);
  if (!Number.isInteger(opCount) || opCount < 1) throw new Error('ops must be a positive integer');
  const keys = Array.from({ length: keyCount }, (_, i) => {
    const key = randomBytes(KEY_BYTES);
    key.writeUInt32BE(i, 0); // distinct, and spread over the key space
    return key;
  });
  const value = randomBytes(VALUE_BYTES);
  const store = new MvccStore(noLeases);
  let index = 0;
  const rows: Array<[string, string]> = [];
  const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en-US')}/s`;

  const loadSec = seconds(() => {
    for (const key of keys) store.apply(++index, { type: 'put', key, value });
  });
  rows.push([`put, new key (load ${keyCount.toLocaleString('en-US')} keys)`, rate(keyCount, loadSec)]);

  const pick = (i: number): Buffer => keys[(i * 7919) % keyCount] as Buffer;
  rows.push(['put, existing key (new revision)', rate(opCount, seconds(() => {
    for (let i = 0; i < opCount; i++) store.apply(++index, { type: 'put', key: pick(i), value });
  }))]);

  const encoded: Uint8Array[] = Array.from({ length: opCount }, (_, i) => encodeMemberCommand({ type: 'put', key: pick(i), value }));
  rows.push(['decodeMemberCommand + put (as from a Raft entry)', rate(opCount, seconds(() => {
    for (const bytes of encoded) store.apply(++index, decodeMemberCommand(bytes) as MvccCommand);
  }))]);

  rows.push(['range, single key', rate(opCount, seconds(() => {
    for (let i = 0; i < opCount; i++) store.range({ key: pick(i) });
  }))]);

  const scans = Math.max(1, Math.floor(opCount / SCAN_KEYS));
  const end = Buffer.from([0]);
  rows.push([`range, ${SCAN_KEYS} keys (limit ${SCAN_KEYS}, from key)`, `${rate(scans, seconds(() => {
    for (let i = 0; i < scans; i++) store.range({ key: pick(i), rangeEnd: end, limit: SCAN_KEYS });
  }))} (count walks the rest of the range, as etcd)`]);

  // keys[] is in key order (index-prefixed), so [keys[j], keys[j + 100]) holds exactly 100 keys.
  rows.push([`range, ${SCAN_KEYS} keys ([key, 100th key after))`, rate(scans, seconds(() => {
    for (let i = 0; i < scans; i++) {
      const j = (i * 7919) % (keyCount - SCAN_KEYS);
      store.range({ key: keys[j] as Buffer, rangeEnd: keys[j + SCAN_KEYS] as Buffer });
    }
  }))]);

  const txns: MvccCommand[] = Array.from({ length: opCount }, (_, i) => ({
    type: 'txn',
    compare: [{ key: pick(i), target: 'version', version: 0, result: 'greater' }],
    success: [{ type: 'put', key: pick(i), value }],
    failure: [],
  }));
  rows.push(['txn: compare version + put', rate(opCount, seconds(() => {
    for (const txn of txns) store.apply(++index, txn);
  }))]);

  const retained = store.snapshotState().records.length;
  const compactSec = seconds(() => {
    store.apply(++index, { type: 'compact', revision: store.currentRevision });
  });
  rows.push([`compact at the current revision (${retained.toLocaleString('en-US')} records before, ${store.snapshotState().records.length.toLocaleString('en-US')} after)`, `${(compactSec * 1000).toFixed(0)} ms`]);
  let bytes: Uint8Array = new Uint8Array(0);
  const encodeSec = seconds(() => {
    bytes = encodeSnapshot(store.snapshotState());
  });
  let restored: MvccStore | null = null;
  const restoreSec = seconds(() => {
    restored = MvccStore.restore(decodeSnapshot(bytes), noLeases);
  });
  if (restored === null) throw new Error('restore failed');
  let hash = 0;
  const hashSec = seconds(() => {
    hash = store.hashKv(0).hash;
  });
  if ((restored as MvccStore).hashKv(0).hash !== hash) throw new Error('restored store hashes differently');
  rows.push([`snapshot encode (${keyCount.toLocaleString('en-US')} keys, ${(bytes.length / 1e6).toFixed(1)} MB)`, `${(encodeSec * 1000).toFixed(0)} ms`]);
  rows.push(['snapshot decode + restore', `${(restoreSec * 1000).toFixed(0)} ms`]);
  rows.push(['HashKV over the store', `${(hashSec * 1000).toFixed(0)} ms`]);

  console.log(`# node --import tsx bench/mvcc/ops.ts ${keyCount} ${opCount}`);
  console.log(`# 1 thread, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values, ${keyCount.toLocaleString('en-US')} keys loaded; machine shared, figures noisy`);
  console.log('| operation | result |');
  console.log('|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
}

main();
