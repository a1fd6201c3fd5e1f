/**
 * Shared fixtures for the MVCC store tests: byte helpers, a readable view of
 * KeyValue, and a store that numbers its Raft indexes itself.
 */
import { MvccStore } from '../../actors/applier/mvcc/store.ts';
import type { ApplyResult, CommandResponse, MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import type { ChangeEvent, KeyValue, LeaseLookup } from '../../actors/applier/mvcc/types.ts';

export const b = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
export const text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** KeyValue with strings instead of bytes, for `t.same`. */
export interface KvView {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

export const view = (kv: KeyValue): KvView => ({
  key: text(kv.key),
  value: text(kv.value),
  createRevision: kv.createRevision,
  modRevision: kv.modRevision,
  version: kv.version,
  lease: kv.lease,
});

export const viewEvent = (event: ChangeEvent): { type: string; kv: KvView; prevKv: KvView | null } => ({
  type: event.type,
  kv: view(event.kv),
  prevKv: event.prevKv === null ? null : view(event.prevKv),
});

export class LeaseSet implements LeaseLookup {
  readonly ids = new Set<number>();
  constructor(ids: readonly number[] = []) {
    for (const id of ids) this.ids.add(id);
  }
  exists(leaseId: number): boolean {
    return this.ids.has(leaseId);
  }
}

/** A store plus the next Raft index, so tests read as a sequence of commands. */
export class Harness {
  readonly leases: LeaseSet;
  readonly store: MvccStore;
  private nextIndex = 1;

  constructor(leaseIds: readonly number[] = []) {
    this.leases = new LeaseSet(leaseIds);
    this.store = new MvccStore(this.leases);
  }

  apply(command: MvccCommand): ApplyResult {
    return this.store.apply(this.nextIndex++, command);
  }

  /** Applies and expects success; returns the response. */
  ok(command: MvccCommand): CommandResponse {
    const result = this.apply(command);
    if (result.status !== 'applied') throw new Error(`expected ${command.type} to apply, got ${result.status}${result.status === 'rejected' ? `: ${result.error.message}` : ''}`);
    return result.response;
  }

  /** Applies and expects a refusal; returns the error message. */
  refused(command: MvccCommand): string {
    const result = this.apply(command);
    if (result.status !== 'rejected') throw new Error(`expected ${command.type} to be refused, got ${result.status}`);
    return result.error.message;
  }

  put(key: string, value: string, lease = 0): CommandResponse {
    return this.ok({ type: 'put', key: b(key), value: b(value), lease });
  }

  del(key: string, rangeEnd?: string): CommandResponse {
    return this.ok({ type: 'delete-range', key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) });
  }

  /** Keys and values visible now (or at `revision`), as "key=value" strings. */
  dump(revision = 0): string[] {
    return this.store.range({ key: b('\0'), rangeEnd: b('\0'), revision }).kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`);
  }
}
