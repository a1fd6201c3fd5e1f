import t from 'tap';
import { Prng } from './harness/prng.ts';
import { EventQueue } from './harness/event-queue.ts';
import { Trace } from './harness/trace.ts';
import { SimNetwork, RELIABLE_LINKS } from './harness/network.ts';
import { DurableStorage } from './harness/durable-storage.ts';
import { KvMachine, encodeCommand } from './cluster/kv-machine.ts';
import type { Entry, Message } from '../../actors/raft/core/types.ts';

t.test('prng: a seed fixes the sequence, different seeds and forks differ', async (t) => {
  const draw = (prng: Prng) => Array.from({ length: 8 }, () => prng.nextUint32());
  t.same(draw(new Prng(42)), draw(new Prng(42)));
  t.not(draw(new Prng(42)).join(), draw(new Prng(43)).join());
  t.not(draw(new Prng(2 ** 40)).join(), draw(new Prng(0)).join(), 'high seed bits count');
  t.same(draw(new Prng(42).fork('a')), draw(new Prng(42).fork('a')));
  t.not(draw(new Prng(42).fork('a')).join(), draw(new Prng(42).fork('b')).join());
  t.throws(() => new Prng(1.5), RangeError);
});

t.test('prng: bounded draws stay in range and cover it evenly', async (t) => {
  const prng = new Prng(7);
  const counts = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 60_000; i++) counts[prng.below(6)]!++;
  for (const count of counts) t.ok(count > 9_400 && count < 10_600, `bucket near 10000: ${count}`);
  for (let i = 0; i < 1000; i++) {
    const x = prng.between(3, 5);
    if (x < 3 || x > 5) t.fail(`between out of range: ${x}`);
    const f = prng.float();
    if (f < 0 || f >= 1) t.fail(`float out of range: ${f}`);
  }
  t.equal(prng.chance(0), false);
  t.equal(prng.chance(1), true);
  t.throws(() => prng.below(0), RangeError);
  t.throws(() => prng.pick([]), RangeError);
});

t.test('event queue: time order, then scheduling order; bounded', async (t) => {
  const queue = new EventQueue(4);
  const seen: string[] = [];
  queue.after(5, () => seen.push('b@5'));
  queue.after(1, () => {
    seen.push('a@1');
    queue.after(4, () => seen.push('c@5'));
  });
  queue.after(0, () => seen.push('z@0'));
  while (queue.runNext(100));
  t.same(seen, ['z@0', 'a@1', 'b@5', 'c@5']);
  t.equal(queue.nowMs, 5);
  queue.after(10, () => seen.push('late'));
  t.equal(queue.runNext(14), false, 'nothing due before the limit');
  for (let i = 0; i < 3; i++) queue.after(1, () => undefined);
  t.throws(() => queue.after(1, () => undefined), /event queue full/);
  t.throws(() => queue.after(-1, () => undefined), RangeError);
});

t.test('trace: same lines give the same hash; keeps only the tail', async (t) => {
  const a = new Trace({ keepLastLines: 2 });
  const b = new Trace({ keepLastLines: 5 });
  for (const trace of [a, b]) {
    trace.record(1, 'one');
    trace.record(2, 'two');
    trace.record(3, 'three');
  }
  t.equal(a.hash(), b.hash());
  t.equal(a.lineCount, 3);
  t.same(a.tail().map((line) => line.trim()), ['2ms two', '3ms three']);
  const before = a.hash();
  a.record(4, 'four');
  t.not(a.hash(), before, 'hashing does not end the trace');
  const sunk: string[] = [];
  const full = new Trace({ keepLastLines: 1, sink: (line) => sunk.push(line) });
  full.record(0, 'x');
  full.record(0, 'y');
  t.equal(sunk.length, 2);
});

function heartbeat(from: number, to: number, commit = 0): Message {
  return { type: 'heartbeat', from, to, term: 1, commit, context: null };
}

function networkFixture(seed: number, maxInFlight = 1000) {
  const queue = new EventQueue(1000);
  const trace = new Trace({ keepLastLines: 100 });
  const delivered: { message: Message; at: number }[] = [];
  const network = new SimNetwork({ queue, prng: new Prng(seed), trace, deliver: (message) => delivered.push({ message, at: queue.nowMs }), maxInFlight });
  const drain = () => {
    while (queue.runNext(Number.MAX_SAFE_INTEGER));
  };
  return { queue, trace, delivered, network, drain };
}

t.test('network: reliable links deliver everything, later, never synchronously', async (t) => {
  const { delivered, network, drain } = networkFixture(1);
  for (let i = 0; i < 20; i++) network.send(heartbeat(1, 2));
  t.equal(delivered.length, 0, 'nothing arrives inside send()');
  drain();
  t.equal(delivered.length, 20);
  t.ok(delivered.every(({ at }) => at >= RELIABLE_LINKS.minDelayMs && at <= RELIABLE_LINKS.maxDelayMs));
  t.throws(() => network.send(heartbeat(1, 1)), /to itself/);
});

t.test('network: blocked links cut messages, also those already in flight; asymmetric', async (t) => {
  const { delivered, network, drain, trace } = networkFixture(2);
  network.block(1, 2);
  network.send(heartbeat(1, 2));
  network.send(heartbeat(2, 1));
  drain();
  t.same(delivered.map(({ message }) => `${message.from}>${message.to}`), ['2>1'], 'only the open direction');
  network.healAll();
  network.send(heartbeat(1, 2));
  network.block(1, 2);
  drain();
  t.equal(delivered.length, 1, 'a message in flight when the link is cut is lost');
  t.match(trace.tail().join('\n'), /cut-in-flight/);
  t.ok(network.isBlocked(1, 2) && !network.isBlocked(2, 1), 'one direction only');
});

t.test('network: lossy links drop, duplicate and reorder, deterministically per seed', async (t) => {
  const run = (seed: number) => {
    const { delivered, network, drain } = networkFixture(seed);
    network.setQuality({ dropProbability: 0.2, duplicateProbability: 0.2, minDelayMs: 1, maxDelayMs: 10, slowProbability: 0.2, slowDelayMaxMs: 100 });
    for (let i = 0; i < 200; i++) network.send(heartbeat(1, 2, i));
    drain();
    return delivered.map(({ message }) => (message.type === 'heartbeat' ? message.commit : -1));
  };
  const order = run(3);
  t.same(order, run(3), 'same seed, same fate');
  const distinct = new Set(order);
  t.ok(distinct.size < 200 && distinct.size > 120, `some dropped: ${distinct.size} distinct arrived`);
  t.ok(order.length > distinct.size, 'some duplicated');
  t.ok(order.some((value, i) => i > 0 && value < order[i - 1]!), 'some reordered');
  t.throws(() => networkFixture(1).network.setQuality({ ...RELIABLE_LINKS, maxDelayMs: 0, minDelayMs: 2 }), RangeError);
});

t.test('network: a bound on messages in flight', async (t) => {
  const { delivered, network, drain, trace } = networkFixture(4, 100);
  for (let i = 0; i < 150; i++) network.send(heartbeat(1, 2));
  drain();
  t.equal(delivered.length, 100);
  t.match(trace.tail().join('\n'), /overflow/);
});

const entry = (index: number, term: number, text = ''): Entry => ({ index, term, kind: 'normal', data: new TextEncoder().encode(text) });

t.test('durable storage: appends, truncates a conflicting suffix, snapshots', async (t) => {
  const disk = new DurableStorage();
  disk.persist({ hardState: { term: 1, vote: 1, commit: 0 }, snapshot: null, entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
  t.equal(disk.lastIndex, 3);
  t.equal(disk.lastTerm, 1);
  disk.persist({ hardState: null, snapshot: null, entries: [entry(2, 2)] });
  t.same(disk.entries.map((e) => `${e.index}@${e.term}`), ['1@1', '2@2'], 'suffix from index 2 replaced');
  t.throws(() => disk.persist({ hardState: null, snapshot: null, entries: [entry(4, 2)] }), /gap/);
  t.throws(() => disk.persist({ hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] }), /went back/);
  disk.compact({ meta: { index: 1, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array() });
  t.equal(disk.snapshotIndex, 1);
  t.equal(disk.entry(1), undefined);
  t.equal(disk.entry(2)?.term, 2);
  t.throws(() => disk.compact({ meta: { index: 2, term: 9, conf: { voters: [1], learners: [] } }, data: new Uint8Array() }), /does not match/);
  disk.persist({ hardState: null, snapshot: { meta: { index: 10, term: 3, conf: { voters: [1], learners: [] } }, data: new Uint8Array() }, entries: [] });
  t.equal(disk.lastIndex, 10, 'an installed snapshot replaces the log');
  t.equal(disk.lastTerm, 3, 'and its term is the last term');
  t.equal(disk.entries.length, 0);
  t.throws(() => disk.persist({ hardState: null, snapshot: null, entries: [entry(10, 3)] }), /below the snapshot/);
});

const command = (index: number, client: number, seq: number, op: Parameters<typeof encodeCommand>[0]['op']): Entry => ({
  index,
  term: 1,
  kind: 'normal',
  data: encodeCommand({ client, seq, op }),
});

t.test('kv machine: applies commands once per request id, survives a snapshot', async (t) => {
  const machine = new KvMachine();
  t.equal(machine.apply(entry(1, 1)), null, 'a leader no-op carries nothing');
  t.same(machine.apply(command(2, 7, 1, { kind: 'put', key: 'a', value: 'x' }))?.output, { kind: 'put' });
  t.same(machine.apply(command(3, 7, 1, { kind: 'put', key: 'a', value: 'x' }))?.output, { kind: 'put' }, 'a retry is answered');
  t.same(machine.apply(command(4, 8, 1, { kind: 'cas', key: 'a', expected: 'x', value: 'y' }))?.output, { kind: 'cas', ok: true });
  t.same(machine.apply(command(5, 8, 2, { kind: 'cas', key: 'a', expected: 'x', value: 'z' }))?.output, { kind: 'cas', ok: false });
  t.equal(machine.apply(command(6, 8, 1, { kind: 'put', key: 'a', value: 'old' })), null, 'a superseded request is ignored');
  t.equal(machine.read('a'), 'y');
  t.ok(machine.hasAppliedWrite(7, 1) && machine.hasAppliedWrite(8, 1));
  t.notOk(machine.hasAppliedWrite(8, 2), 'a failed cas is not a write');
  machine.markApplied(7);
  const copy = KvMachine.restore(machine.serialize());
  t.equal(copy.appliedIndex, 7);
  t.equal(copy.read('a'), 'y');
  t.ok(copy.hasAppliedWrite(7, 1));
  t.same(copy.apply(command(8, 7, 1, { kind: 'put', key: 'a', value: 'x' }))?.output, { kind: 'put' }, 'sessions travel in the snapshot');
  t.equal(copy.read('a'), 'y', 'and the retry was not applied again');
  t.throws(() => copy.apply(command(10, 1, 1, { kind: 'get', key: 'a' })), /after 8/);
});
