/**
 * A tiny in-memory model of the MVCC store for watch-hub tests: it turns
 * writes into ChangeEvents (with prevKv) and answers history reads from the
 * full log, with its own range check (independent of the hub's).
 */

import type { ChangeEvent, KeyValue } from '../../actors/applier/mvcc/types.ts';
import { HistoryCompactedError } from '../../actors/watch-hub/errors.ts';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export type Op = readonly ['put' | 'delete', string] | readonly ['put', string, string];

export function inRange(key: Uint8Array, start: Uint8Array, rangeEnd: Uint8Array): boolean {
  if (rangeEnd.length === 0) return Buffer.compare(key, start) === 0;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return Buffer.compare(key, start) >= 0;
  return Buffer.compare(key, start) >= 0 && Buffer.compare(key, rangeEnd) < 0;
}

export class StoreModel {
  readonly log: ChangeEvent[] = [];
  revision: number;
  compacted = 0;
  readCalls = 0;
  private readonly live = new Map<string, KeyValue>();

  constructor(revision = 0) {
    this.revision = revision;
  }

  /** Applies one transaction (one revision); deletes of absent keys are skipped. Returns its events. */
  txn(...ops: Op[]): ChangeEvent[] {
    const revision = this.revision + 1;
    const events: ChangeEvent[] = [];
    for (const [type, key, value] of ops) {
      const previous = this.live.get(key) ?? null;
      if (type === 'put') {
        const kv: KeyValue = {
          key: enc(key),
          createRevision: previous?.createRevision ?? revision,
          modRevision: revision,
          version: (previous?.version ?? 0) + 1,
          value: enc(value ?? `${key}@${revision}`),
          lease: 0,
        };
        this.live.set(key, kv);
        events.push({ type: 'put', kv, prevKv: previous });
      } else if (previous !== null) {
        this.live.delete(key);
        const kv: KeyValue = { key: enc(key), createRevision: 0, modRevision: revision, version: 0, value: new Uint8Array(0), lease: 0 };
        events.push({ type: 'delete', kv, prevKv: previous });
      }
    }
    if (events.length === 0) throw new Error('StoreModel.txn: a transaction that changes nothing has no revision');
    this.revision = revision;
    this.log.push(...events);
    return events;
  }

  compact(revision: number): void {
    this.compacted = revision;
  }

  /** The HistoryReader contract, answered synchronously. */
  read = (from: number, to: number, key: Uint8Array, rangeEnd: Uint8Array): ChangeEvent[] => {
    this.readCalls += 1;
    if (from < this.compacted) throw new HistoryCompactedError(this.compacted);
    return this.log.filter((e) => e.kv.modRevision >= from && e.kv.modRevision <= to && inRange(e.kv.key, key, rangeEnd));
  };
}

/** Human-readable event: "put a@3", "delete b@5". */
export function show(event: ChangeEvent): string {
  return `${event.type} ${dec(event.kv.key)}@${event.kv.modRevision}`;
}
