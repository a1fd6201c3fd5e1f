/**
 * Property test: the store against a deliberately naive model, a flat list
 * of every change ever made, from which each answer is recomputed by brute
 * force (no index, no generations, no compaction bookkeeping).
 */
import t from 'tap';
import fc from 'fast-check';
import type { MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import { MvccError } from '../../actors/applier/mvcc/errors.ts';
import type { RequestOp } from '../../actors/applier/mvcc/requests.ts';
import { decodeSnapshot, encodeSnapshot } from '../../actors/applier/mvcc/snapshot.ts';
import { MvccStore } from '../../actors/applier/mvcc/store.ts';
import { b, LeaseSet, text, view, type KvView } from './helpers.ts';

const LIVE_LEASES = [1, 2];

interface Change {
  rev: number;
  key: string;
  /** null: a deletion. */
  value: string | null;
  lease: number;
}

/** Key ranges the generators use: a single key, [low, high), or from low on. */
type Span = { key: string; end?: string };

const covers = (span: Span, key: string): boolean =>
  span.end === undefined ? key === span.key : span.end === '\0' ? key >= span.key : key >= span.key && key < span.end;

function applyChange(live: KvView | null, c: Change): KvView | null {
  if (c.value === null) return null;
  if (live === null) return { key: c.key, value: c.value, createRevision: c.rev, modRevision: c.rev, version: 1, lease: c.lease };
  return { ...live, value: c.value, modRevision: c.rev, version: live.version + 1, lease: c.lease };
}

class Model {
  changes: Change[] = [];
  revision = 1;
  compacted = -1;

  at(key: string, rev: number): KvView | null {
    return this.changes.filter((c) => c.rev <= rev && c.key === key).reduce(applyChange, null);
  }

  keys(): string[] {
    return [...new Set(this.changes.map((c) => c.key))].sort();
  }

  visible(span: Span, rev: number): KvView[] {
    return this.keys().filter((k) => covers(span, k)).map((k) => this.at(k, rev)).filter((kv): kv is KvView => kv !== null);
  }

  /** Puts/deletes of one revision, in op order; no revision when nothing changed. */
  commit(writes: Write[]): void {
    const rev = this.revision + 1;
    const live = new Map(this.keys().map((k) => [k, this.at(k, this.revision) !== null]));
    const changes: Change[] = [];
    for (const w of writes) {
      if (w.kind === 'put') {
        changes.push({ rev, key: w.key, value: w.value, lease: w.lease });
        live.set(w.key, true);
        continue;
      }
      for (const key of [...live.keys()].sort()) {
        if (live.get(key) === true && covers(w.span, key)) {
          changes.push({ rev, key, value: null, lease: 0 });
          live.set(key, false);
        }
      }
    }
    if (changes.length === 0) return;
    this.changes.push(...changes);
    this.revision = rev;
  }
}

type Write = { kind: 'put'; key: string; value: string; lease: number } | { kind: 'del'; span: Span };

const keyArb = fc.constantFrom('a', 'b', 'c', 'd');
const spanArb: fc.Arbitrary<Span> = fc.oneof(
  keyArb.map((key) => ({ key })),
  fc.tuple(keyArb, fc.constantFrom('b', 'c', 'e')).map(([key, end]) => ({ key, end })),
  keyArb.map((key) => ({ key, end: '\0' })),
);
const leaseArb = fc.constantFrom(0, 0, 1, 2, 3);
const putArb = fc.record({ kind: fc.constant('put' as const), key: keyArb, value: fc.constantFrom('x', 'y', ''), lease: leaseArb, ignoreValue: fc.constantFrom(false, false, false, true) });
const delArb = fc.record({ kind: fc.constant('del' as const), span: spanArb });
type GenOp = { kind: 'put'; key: string; value: string; lease: number; ignoreValue: boolean } | { kind: 'del'; span: Span };

type GenCommand =
  | GenOp
  | { kind: 'txn'; compareKey: string; version: number; success: GenOp[]; failure: GenOp[] }
  | { kind: 'compact'; offset: number }
  | { kind: 'revoke'; lease: number };

const opArb: fc.Arbitrary<GenOp> = fc.oneof({ weight: 3, arbitrary: putArb }, { weight: 1, arbitrary: delArb });
const commandArb: fc.Arbitrary<GenCommand> = fc.oneof(
  { weight: 6, arbitrary: opArb },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('txn' as const), compareKey: keyArb, version: fc.integer({ min: 0, max: 2 }), success: fc.array(opArb, { maxLength: 3 }), failure: fc.array(opArb, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), offset: fc.integer({ min: -2, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), lease: fc.constantFrom(1, 2, 3) }) },
);

const spanRequest = (span: Span) => ({ key: b(span.key), ...(span.end === undefined ? {} : { rangeEnd: b(span.end) }) });

function toRequestOp(op: GenOp): RequestOp {
  if (op.kind === 'del') return { type: 'delete-range', ...spanRequest(op.span) };
  return { type: 'put', key: b(op.key), value: b(op.ignoreValue ? '' : op.value), lease: op.lease, ignoreValue: op.ignoreValue };
}

function toCommand(cmd: GenCommand, model: Model): MvccCommand {
  switch (cmd.kind) {
    case 'put':
    case 'del':
      return toRequestOp(cmd) as MvccCommand;
    case 'txn':
      return { type: 'txn', compare: [{ key: b(cmd.compareKey), target: 'version', version: cmd.version, result: 'equal' }], success: cmd.success.map(toRequestOp), failure: cmd.failure.map(toRequestOp) };
    case 'compact':
      return { type: 'compact', revision: Math.max(0, model.compacted) + cmd.offset + Math.floor((model.revision - Math.max(0, model.compacted)) / 2) };
    case 'revoke':
      return { type: 'lease-revoke', id: cmd.lease };
  }
}

/** etcd's duplicate-key rule for one branch (deletes' range ends taken literally, as etcd does). */
function hasDuplicate(ops: GenOp[]): boolean {
  const puts = ops.filter((o): o is Extract<GenOp, { kind: 'put' }> => o.kind === 'put');
  const dels = ops.filter((o): o is Extract<GenOp, { kind: 'del' }> => o.kind === 'del');
  const literalCovers = (span: Span, key: string): boolean => (span.end === undefined ? key === span.key : span.key <= key && key < span.end);
  return puts.some((p, i) => puts.findIndex((q) => q.key === p.key) !== i || dels.some((d) => literalCovers(d.span, p.key)));
}

/** The model's verdict on the chosen branch: an etcd error message, or the writes to make. */
function modelWrites(model: Model, ops: GenOp[]): string | Write[] {
  for (const [i, p] of ops.entries()) {
    if (p.kind !== 'put') continue;
    // The value to keep must exist before the txn and not be deleted earlier in it.
    const deletedEarlier = ops.slice(0, i).some((o) => o.kind === 'del' && covers(o.span, p.key));
    if (p.ignoreValue && (model.at(p.key, model.revision) === null || deletedEarlier)) return 'etcdserver: key not found';
    if (p.lease !== 0 && !LIVE_LEASES.includes(p.lease)) return 'etcdserver: requested lease not found';
  }
  return ops.map((o) => (o.kind === 'del' ? o : { kind: 'put' as const, key: o.key, value: o.ignoreValue ? (model.at(o.key, model.revision)?.value ?? '') : o.value, lease: o.lease }));
}

/** Applies to the model; returns the expected refusal message, or null. */
function applyToModel(model: Model, cmd: GenCommand, command: MvccCommand): string | null {
  switch (cmd.kind) {
    case 'put':
    case 'del':
    case 'txn': {
      let ops: GenOp[] = cmd.kind === 'txn' ? [] : [cmd];
      if (cmd.kind === 'txn') {
        // Both branches are checked for duplicates before any compare runs.
        if (hasDuplicate(cmd.success) || hasDuplicate(cmd.failure)) return 'etcdserver: duplicate key given in txn request';
        ops = (model.at(cmd.compareKey, model.revision)?.version ?? 0) === cmd.version ? cmd.success : cmd.failure;
      }
      if (cmd.kind === 'put' && cmd.lease !== 0 && !LIVE_LEASES.includes(cmd.lease)) return 'etcdserver: requested lease not found';
      const writes = modelWrites(model, ops);
      if (typeof writes === 'string') return writes;
      model.commit(writes);
      return null;
    }
    case 'compact': {
      const revision = (command as Extract<MvccCommand, { type: 'compact' }>).revision;
      if (revision <= model.compacted) return 'etcdserver: mvcc: required revision has been compacted';
      if (revision > model.revision) return 'etcdserver: mvcc: required revision is a future revision';
      model.compacted = revision;
      return null;
    }
    case 'revoke': {
      if (!LIVE_LEASES.includes(cmd.lease)) return 'etcdserver: requested lease not found';
      const keys = model.visible({ key: '\0', end: '\0' }, model.revision).filter((kv) => kv.lease === cmd.lease).map((kv) => kv.key);
      model.commit(keys.map((key) => ({ kind: 'del' as const, span: { key } })));
      return null;
    }
  }
}

function readOutcome(read: () => KvView[]): KvView[] | string {
  try {
    return read();
  } catch (error) {
    if (error instanceof MvccError) return error.message;
    throw error;
  }
}

function modelRead(model: Model, span: Span, revision: number): KvView[] | string {
  if (revision > model.revision) return 'etcdserver: mvcc: required revision is a future revision';
  const rev = revision <= 0 ? model.revision : revision;
  if (rev < model.compacted) return 'etcdserver: mvcc: required revision has been compacted';
  return model.visible(span, rev);
}

/** Watch replay expected from the model, as etcd keeps history (see compact.test.ts for the tombstone rule). */
function modelEvents(model: Model, start: number): string[] {
  // At the compaction revision itself only each key's last change survives, and only if it is a put.
  const lastAtCompaction = (c: Change): boolean => model.changes.filter((d) => d.rev === c.rev && d.key === c.key).at(-1) === c;
  return model.changes
    .filter((c) => c.rev >= start)
    .filter((c) => c.rev !== model.compacted || (c.value !== null && lastAtCompaction(c)))
    .map((c) => {
      const prev = c.rev - 1 < model.compacted ? null : model.at(c.key, c.rev - 1);
      return `${c.value === null ? 'delete' : 'put'} ${c.key}@${c.rev} ${c.value ?? ''} prev=${prev?.value ?? '-'}`;
    });
}

t.test('the store answers like the naive model', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(commandArb, spanArb, fc.integer({ min: -1, max: 3 })), { minLength: 1, maxLength: 40 }), (steps) => {
      const model = new Model();
      const store = new MvccStore(new LeaseSet(LIVE_LEASES));
      let index = 0;
      for (const [cmd, span, revisionOffset] of steps) {
        const command = toCommand(cmd, model);
        const expected = applyToModel(model, cmd, command);
        const result = store.apply(++index, command);
        const got = result.status === 'rejected' ? result.error.message : null;
        if (got !== expected) throw new Error(`${JSON.stringify(cmd)}: store ${got ?? 'applied'}, model ${expected ?? 'applied'}`);
        if (store.currentRevision !== model.revision) throw new Error(`revision ${store.currentRevision} vs model ${model.revision}`);
        const readRevision = revisionOffset === -1 ? 0 : model.compacted - 1 + revisionOffset;
        const storeRead = readOutcome(() => store.range({ ...spanRequest(span), revision: readRevision }).kvs.map(view));
        const want = modelRead(model, span, readRevision);
        if (JSON.stringify(storeRead) !== JSON.stringify(want)) throw new Error(`read ${JSON.stringify(span)}@${readRevision}: ${JSON.stringify(storeRead)} vs ${JSON.stringify(want)}`);
        for (const lease of LIVE_LEASES) {
          const attached = store.keysForLease(lease).map(text).join(',');
          const modelAttached = model.visible({ key: '\0', end: '\0' }, model.revision).filter((kv) => kv.lease === lease).map((kv) => kv.key).join(',');
          if (attached !== modelAttached) throw new Error(`lease ${lease}: ${attached} vs ${modelAttached}`);
        }
      }
      const start = Math.max(1, model.compacted);
      const events = store.eventsSince(b('\0'), b('\0'), start, 1_000).events.map(
        (e) => `${e.type} ${text(e.kv.key)}@${e.kv.modRevision} ${text(e.kv.value)} prev=${e.prevKv === null ? '-' : text(e.prevKv.value)}`,
      );
      const wantEvents = modelEvents(model, start);
      if (events.join('\n') !== wantEvents.join('\n')) throw new Error(`events since ${start}:\n${events.join('\n')}\nvs\n${wantEvents.join('\n')}`);
      const restored = MvccStore.restore(decodeSnapshot(encodeSnapshot(store.snapshotState())), new LeaseSet(LIVE_LEASES));
      if (JSON.stringify(restored.hashKv(0)) !== JSON.stringify(store.hashKv(0))) throw new Error('snapshot round trip changed the hash');
      return true;
    }),
    { numRuns: 250 },
  );
  t.pass('250 random command sequences matched the model');
});
