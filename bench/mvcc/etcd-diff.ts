/**
 * Differential check of the MVCC store against real etcd 3.4: the same
 * seeded random sequence of puts, deletes, ranges (past revisions, sort,
 * limit, filters), txns (compares, nested txns), compactions, lease grants
 * and revokes, HashKV and watch replays goes to a fresh etcd over gRPC and to
 * an MvccStore; every response (or error code + message) must match.
 *
 * Run: node --import tsx bench/mvcc/etcd-diff.ts [steps=3000] [seed=1]
 * Needs /usr/bin/etcd (apt-get install -y etcd-server). One etcd process, one
 * client thread. Prints each mismatch and exits 1 when there is any.
 */
import * as grpc from '@grpc/grpc-js';
import { startServer } from '../compare/server.ts';
import { MvccError } from '../../actors/applier/mvcc/errors.ts';
import type { MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import type { Compare, RangeRequest, RequestOp, SortOrder, SortTarget, TxnRequest } from '../../actors/applier/mvcc/requests.ts';
import { MvccStore } from '../../actors/applier/mvcc/store.ts';
import { ETCD_DEFAULT_LIMITS, isReadOnlyTxn, validateRequest } from '../../actors/applier/mvcc/validate.ts';
import { encodeRequestOp, encodeTxn } from '../../src/client/wire-codec.ts';
import { etcdServices } from '../../src/proto/load.ts';
import { kvFromStore, normalFromProto, normalFromStore, type Normal } from './etcd-wire.ts';

type Proto = Record<string, unknown>;
type Unary = (request: object, callback: (error: grpc.ServiceError | null, response: Proto) => void) => void;
type ServiceClient = grpc.Client & Record<string, Unary>;

const ETCD_BINARY = '/usr/bin/etcd';
const LEASE_TTL_SECONDS = 3600;
const MISSING_LEASE = 999_999;
const WATCH_TIMEOUT_MS = 10_000;

/** mulberry32: a small seeded PRNG so a failing run can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Generator {
  readonly leases: number[] = [];
  private nextLease = 100;
  constructor(private readonly random: () => number, private readonly store: MvccStore) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  bytes(text: string): Uint8Array {
    return Buffer.from(text, 'latin1');
  }
  key(): string {
    const alphabet = ['a', 'b', '\x00', '\xff'];
    return this.pick(alphabet) + (this.chance(0.5) ? this.pick(alphabet) : '');
  }
  span(): { key: Uint8Array; rangeEnd?: Uint8Array } {
    const key = this.key();
    switch (this.int(0, 4)) {
      case 0:
      case 1:
        return { key: this.bytes(key) };
      case 2:
        return { key: this.bytes(key), rangeEnd: this.bytes(this.key()) };
      case 3:
        return { key: this.bytes(key), rangeEnd: this.bytes('\0') };
      default:
        return { key: this.bytes('\0'), rangeEnd: this.bytes('\0') };
    }
  }
  /** A revision near the interesting edges: compacted, current, future. */
  revision(): number {
    const low = Math.max(0, this.store.compactRevision - 1);
    return this.chance(0.5) ? 0 : this.int(low, this.store.currentRevision + 1);
  }
  lease(): number {
    if (this.leases.length === 0 || this.chance(0.7)) return this.chance(0.95) ? 0 : MISSING_LEASE;
    return this.pick(this.leases);
  }
  newLease(): number {
    const id = this.nextLease++;
    this.leases.push(id);
    return id;
  }

  range(): RangeRequest {
    const request: { -readonly [K in keyof RangeRequest]: RangeRequest[K] } = { ...this.span(), revision: this.revision() };
    if (this.chance(0.4)) request.limit = this.int(0, 4);
    if (this.chance(0.4)) request.sortOrder = this.pick<SortOrder>(['none', 'ascend', 'descend']);
    if (this.chance(0.4)) request.sortTarget = this.pick<SortTarget>(['key', 'version', 'create', 'mod', 'value']);
    if (this.chance(0.1)) request.countOnly = true;
    if (this.chance(0.1)) request.keysOnly = true;
    if (this.chance(0.1)) request.minModRevision = this.int(0, this.store.currentRevision);
    if (this.chance(0.1)) request.maxModRevision = this.int(0, this.store.currentRevision);
    if (this.chance(0.1)) request.minCreateRevision = this.int(0, this.store.currentRevision);
    if (this.chance(0.1)) request.maxCreateRevision = this.int(0, this.store.currentRevision);
    return request;
  }
  put(): Extract<RequestOp, { type: 'put' }> {
    const ignoreValue = this.chance(0.1);
    const ignoreLease = this.chance(0.1);
    return {
      type: 'put',
      key: this.bytes(this.key()),
      value: this.bytes(ignoreValue && this.chance(0.8) ? '' : this.pick(['', 'x', 'yy', '\x80z'])),
      lease: ignoreLease && this.chance(0.8) ? 0 : this.lease(),
      prevKv: this.chance(0.3),
      ignoreValue,
      ignoreLease,
    };
  }
  del(): Extract<RequestOp, { type: 'delete-range' }> {
    return { type: 'delete-range', ...this.span(), prevKv: this.chance(0.3) };
  }
  compare(): Compare {
    const base = { ...this.span(), result: this.pick(['equal', 'greater', 'less', 'not-equal'] as const) };
    switch (this.int(0, 4)) {
      case 0:
        return { ...base, target: 'version', version: this.int(0, 3) };
      case 1:
        return { ...base, target: 'create', createRevision: this.int(0, this.store.currentRevision) };
      case 2:
        return { ...base, target: 'mod', modRevision: this.int(0, this.store.currentRevision) };
      case 3:
        return { ...base, target: 'value', value: this.bytes(this.pick(['', 'x', 'yy'])) };
      default:
        return { ...base, target: 'lease', lease: this.lease() };
    }
  }
  ops(depth: number): RequestOp[] {
    return Array.from({ length: this.int(0, 3) }, (): RequestOp => {
      const roll = this.int(0, 9);
      if (roll < 4) return this.put();
      if (roll < 6) return this.del();
      if (roll < 9 || depth >= 2) return { type: 'range', ...this.range() };
      return { type: 'txn', ...this.txn(depth + 1) };
    });
  }
  txn(depth = 0): TxnRequest {
    return { compare: Array.from({ length: this.int(0, 2) }, () => this.compare()), success: this.ops(depth), failure: this.ops(depth) };
  }
}

type Step =
  | { kind: 'kv'; op: RequestOp }
  | { kind: 'compact'; revision: number }
  | { kind: 'grant' }
  | { kind: 'revoke'; id: number }
  | { kind: 'hash'; revision: number };

function nextStep(g: Generator): Step {
  const roll = g.int(0, 99);
  if (roll < 35) return { kind: 'kv', op: g.put() };
  if (roll < 45) return { kind: 'kv', op: g.del() };
  if (roll < 70) return { kind: 'kv', op: { type: 'range', ...g.range() } };
  if (roll < 90) return { kind: 'kv', op: { type: 'txn', ...g.txn() } };
  if (roll < 93) return { kind: 'compact', revision: g.revision() };
  if (roll < 96) return { kind: 'grant' };
  if (roll < 98) return { kind: 'revoke', id: g.chance(0.8) && g.leases.length > 0 ? g.pick(g.leases) : MISSING_LEASE };
  return { kind: 'hash', revision: g.revision() };
}

const errorText = (e: unknown): string => {
  if (e instanceof MvccError) return `${e.grpcCode} ${e.message}`;
  const s = e as grpc.ServiceError;
  if (typeof s.code === 'number' && typeof s.details === 'string') return `${s.code} ${s.details}`;
  throw e;
};

function call(client: ServiceClient, method: string, request: object): Promise<Proto> {
  return new Promise((resolve, reject) => {
    const fn = client[method];
    if (fn === undefined) throw new Error(`no gRPC method ${method}`);
    fn.call(client, request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function etcdSide(clients: Clients, step: Step): Promise<Normal> {
  try {
    switch (step.kind) {
      case 'kv': {
        const { op } = step;
        const method = { range: 'Range', put: 'Put', 'delete-range': 'DeleteRange', txn: 'Txn' }[op.type];
        const request: object = op.type === 'txn' ? encodeTxn(op) : (Object.values(encodeRequestOp(op))[0] as object);
        return normalFromProto(op.type, await call(clients.kv, method, request));
      }
      case 'compact': {
        const r = await call(clients.kv, 'Compact', { revision: step.revision, physical: true });
        return { revision: Number((r['header'] as Proto)['revision']) };
      }
      case 'grant':
        throw new Error('grants are applied directly');
      case 'revoke': {
        const r = await call(clients.lease, 'LeaseRevoke', { ID: step.id });
        return { revision: Number((r['header'] as Proto)['revision']) };
      }
      case 'hash': {
        const r = await call(clients.maintenance, 'HashKV', { revision: step.revision });
        return { revision: Number((r['header'] as Proto)['revision']), compactRevision: Number(r['compact_revision']) };
      }
    }
  } catch (error) {
    return { error: errorText(error) };
  }
}

class StoreSide {
  private index = 0;
  readonly leases = new Set<number>();
  readonly store = new MvccStore({ exists: (id) => this.leases.has(id) });

  private applyCommand(command: MvccCommand): Normal {
    const result = this.store.apply(++this.index, command);
    if (result.status === 'rejected') return { error: errorText(result.error) };
    if (result.status === 'skipped') throw new Error('unexpected skip');
    const r = result.response;
    if (r.type === 'compact' || r.type === 'lease-revoke') return { revision: r.revision };
    return normalFromStore(r);
  }

  run(step: Step): Normal {
    try {
      switch (step.kind) {
        case 'kv': {
          const { op } = step;
          validateRequest(op, ETCD_DEFAULT_LIMITS);
          if (op.type === 'range') return normalFromStore({ type: 'range', ...this.store.range(op) });
          if (op.type === 'txn' && isReadOnlyTxn(op)) return normalFromStore({ type: 'txn', ...this.store.readOnlyTxn(op) });
          return this.applyCommand(op);
        }
        case 'compact':
          return this.applyCommand({ type: 'compact', revision: step.revision });
        case 'grant':
          throw new Error('grants are applied directly');
        case 'revoke': {
          const outcome = this.applyCommand({ type: 'lease-revoke', id: step.id });
          this.leases.delete(step.id);
          return outcome;
        }
        case 'hash': {
          const h = this.store.hashKv(step.revision);
          return { revision: h.revision, compactRevision: h.compactRevision };
        }
      }
    } catch (error) {
      return { error: errorText(error) };
    }
  }
}

interface Clients {
  kv: ServiceClient;
  lease: ServiceClient;
  maintenance: ServiceClient;
  watch: ServiceClient;
}

function connect(address: string): Clients {
  const make = (name: 'KV' | 'Lease' | 'Maintenance' | 'Watch'): ServiceClient =>
    new (grpc.makeGenericClientConstructor(etcdServices[name], name))(address, grpc.credentials.createInsecure()) as ServiceClient;
  return { kv: make('KV'), lease: make('Lease'), maintenance: make('Maintenance'), watch: make('Watch') };
}

/** Events etcd's Watch replays from `start` (prev_kv on) up to `current`, or its compaction notice. */
function etcdWatchReplay(client: ServiceClient, start: number, current: number): Promise<Normal> {
  return new Promise((resolve, reject) => {
    const stream = (client as unknown as { Watch(): grpc.ClientDuplexStream<Proto, Proto> }).Watch();
    const events: unknown[] = [];
    const timer = setTimeout(() => finish(new Error(`watch from ${start} timed out`)), WATCH_TIMEOUT_MS);
    const finish = (outcome: Normal | Error): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.on('error', () => undefined);
      stream.cancel();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    stream.on('data', (m: Proto) => {
      if (Number(m['compact_revision']) !== 0) return finish({ compacted: Number(m['compact_revision']) });
      let last = 0;
      for (const e of m['events'] as Proto[]) {
        const kv = e['kv'] as Proto;
        events.push([e['type'] === 'PUT' ? 'put' : 'delete', kvTupleFromProto(kv), e['prev_kv'] ? kvTupleFromProto(e['prev_kv'] as Proto) : null]);
        last = Number(kv['mod_revision']);
      }
      // A response carries whole revisions, so the replay is complete once one reaches `current`.
      if (last >= current || start > current) return finish({ events });
    });
    stream.on('error', (error) => finish(error));
    stream.write({ create_request: { key: Buffer.from([0]), range_end: Buffer.from([0]), start_revision: start, prev_kv: true } });
  });
}

/** A txn with an ignore_* put and a "from key" delete, the shape that can crash etcd 3.4's applier. */
function panicsEtcd(txn: TxnRequest): boolean {
  const ops: RequestOp[] = [];
  const collect = (t: TxnRequest): void => {
    for (const op of [...t.success, ...t.failure]) {
      ops.push(op);
      if (op.type === 'txn') collect(op);
    }
  };
  collect(txn);
  const ignorePut = ops.some((op) => op.type === 'put' && (op.ignoreValue === true || op.ignoreLease === true));
  const fromKeyDelete = ops.some((op) => op.type === 'delete-range' && op.rangeEnd?.length === 1 && op.rangeEnd[0] === 0);
  return ignorePut && fromKeyDelete;
}

/** A step as text, with bytes as latin1 strings. */
function describe(step: Step): string {
  return JSON.stringify(step, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('latin1') : value;
  });
}

function kvTupleFromProto(kv: Proto): unknown {
  const latin1 = (b: Buffer): string => b.toString('latin1');
  return [latin1(kv['key'] as Buffer), latin1(kv['value'] as Buffer), Number(kv['create_revision']), Number(kv['mod_revision']), Number(kv['version']), Number(kv['lease'])];
}

function storeWatchReplay(store: MvccStore, start: number): Normal {
  try {
    const events = store.eventsSince(Buffer.from([0]), Buffer.from([0]), start, Number.MAX_SAFE_INTEGER).events;
    return { events: events.map((e) => [e.type, kvFromStore(e.kv), e.prevKv === null ? null : kvFromStore(e.prevKv)]) };
  } catch (error) {
    if (error instanceof MvccError && error.kind === 'compacted') return { compacted: error.compactRevision };
    throw error;
  }
}

async function main(): Promise<number> {
  const steps = Number(process.argv[2] ?? 3000);
  const seed = Number(process.argv[3] ?? 1);
  if (!Number.isInteger(steps) || steps < 1 || steps > 1_000_000) throw new Error('steps must be an integer in [1, 1000000]');
  const server = await startServer({ name: 'etcd', file: ETCD_BINARY, args: [] });
  const clients = connect(`${server.host}:${server.clientPort}`);
  const side = new StoreSide();
  const g = new Generator(prng(seed), side.store);
  const mismatches: string[] = [];
  const counts = new Map<string, number>();
  try {
    for (let i = 0; i < steps && mismatches.length < 20; i++) {
      const step = nextStep(g);
      if (step.kind === 'grant') {
        const id = g.newLease();
        await call(clients.lease, 'LeaseGrant', { TTL: LEASE_TTL_SECONDS, ID: id });
        side.leases.add(id);
        continue;
      }
      const label = step.kind === 'kv' ? step.op.type : step.kind;
      const fromStore = side.run(step);
      if (fromStore['error'] === '3 etcdserver: key not found' && step.kind === 'kv' && step.op.type === 'txn' && panicsEtcd(step.op)) {
        // etcd 3.4 crashes on this txn; the store refuses it instead (see actors/applier/mvcc/txn.ts).
        counts.set('txn: not sent (etcd 3.4 panics on it)', (counts.get('txn: not sent (etcd 3.4 panics on it)') ?? 0) + 1);
        continue;
      }
      const fromEtcd = await etcdSide(clients, step);
      if (String(fromEtcd['error']).startsWith(`${grpc.status.UNAVAILABLE} `)) {
        mismatches.push(`step ${i} ${label}: etcd became unavailable (crashed?) on ${describe(step)}`);
        break;
      }
      const outcome = 'error' in fromEtcd ? `${label}: error` : label;
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      if (JSON.stringify(fromEtcd) !== JSON.stringify(fromStore)) {
        mismatches.push(`step ${i} ${label} ${describe(step)}\n  etcd:  ${JSON.stringify(fromEtcd)}\n  store: ${JSON.stringify(fromStore)}`);
      }
    }
    const current = side.store.currentRevision;
    const compacted = side.store.compactRevision;
    for (const start of mismatches.length > 0 ? [] : new Set([compacted - 1, compacted, compacted + 1, Math.floor((compacted + current) / 2), current, current + 1].filter((s) => s >= 1))) {
      const fromEtcd = await etcdWatchReplay(clients.watch, start, current);
      const fromStore = storeWatchReplay(side.store, start);
      counts.set('watch replay', (counts.get('watch replay') ?? 0) + 1);
      if (JSON.stringify(fromEtcd) !== JSON.stringify(fromStore)) mismatches.push(`watch from ${start}\n  etcd:  ${JSON.stringify(fromEtcd)}\n  store: ${JSON.stringify(fromStore)}`);
    }
    console.log(`# node --import tsx bench/mvcc/etcd-diff.ts ${steps} ${seed}`);
    console.log(`# etcd 3.4 (${ETCD_BINARY}) vs MvccStore; final revision ${current}, compacted at ${compacted}`);
    console.log(`# compared: ${[...counts].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const m of mismatches) console.log(`MISMATCH ${m}`);
    console.log(mismatches.length === 0 ? 'OK: every response matched' : `${mismatches.length} mismatch(es)`);
    return mismatches.length === 0 ? 0 : 1;
  } finally {
    for (const client of Object.values(clients)) client.close();
    await server.stop();
  }
}

process.exitCode = await main();
