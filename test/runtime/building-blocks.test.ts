/**
 * The runtime's small pure parts: the bounded queue, the restart budget and
 * its backoff, the directory, frame validation, the pending-ask table and the
 * typed errors' trip across a thread boundary.
 */
import { pack, unpack } from 'msgpackr';
import t from 'tap';
import { ActorRef, Replier, installRouter, uninstallRouter, type Router } from '../../runtime/actor-ref.ts';
import { defineActor, describeMessageType } from '../../runtime/behaviour.ts';
import { BoundedQueue } from '../../runtime/bounded-queue.ts';
import { Directory } from '../../runtime/directory.ts';
import { MalformedFrameError, parseEnvelope } from '../../runtime/envelope.ts';
import {
  ActorFailedError,
  ActorStoppedError,
  AskTimeoutError,
  InvalidOptionError,
  MailboxFullError,
  ThreadDiedError,
  fromWireError,
  toWireError,
} from '../../runtime/errors.ts';
import { PendingAsks } from '../../runtime/pending-asks.ts';
import { RestartBudget, resolveSupervision } from '../../runtime/supervision.ts';

t.test('BoundedQueue keeps FIFO order across growth and wrap-around, and refuses past its bound', async (t) => {
  const queue = new BoundedQueue<number>(100);
  const out: number[] = [];
  for (let n = 0; n < 100; n += 1) {
    t.equal(queue.push(n), true);
    if (n % 3 === 0) out.push(queue.shift() as number);
  }
  for (let n = 100; queue.push(n); n += 1);
  t.equal(queue.length, 100);
  t.equal(queue.push(-1), false, 'full');
  out.push(...queue.drain());
  t.same(out, Array.from({ length: out.length }, (_, i) => i), 'every element once, in order');
  t.equal(queue.shift(), undefined);
  t.throws(() => new BoundedQueue(0), RangeError);
});

t.test('RestartBudget backs off exponentially within its window and escalates past the budget', async (t) => {
  const budget = new RestartBudget(resolveSupervision({ maxRestarts: 3, withinMs: 1_000, backoff: { initialMs: 10, factor: 3, maxMs: 50 } }));
  t.same(budget.onFailure(0), { action: 'restart', attempt: 1, delayMs: 10 });
  t.same(budget.onFailure(100), { action: 'restart', attempt: 2, delayMs: 30 });
  t.same(budget.onFailure(200), { action: 'restart', attempt: 3, delayMs: 50 }, 'capped at maxMs');
  t.same(budget.onFailure(300), { action: 'escalate', restartsInWindow: 3 });
  t.same(budget.onFailure(1_150), { action: 'restart', attempt: 2, delayMs: 30 }, 'failures older than the window no longer count');
  t.throws(() => resolveSupervision({ backoff: { factor: 0.5 } }), InvalidOptionError);
  t.throws(() => resolveSupervision({ maxRestarts: -1 }), { code: 'INVALID_OPTION', details: { option: 'supervision.maxRestarts' } });
  t.same(new RestartBudget(resolveSupervision({ maxRestarts: 0 })).onFailure(0), { action: 'escalate', restartsInWindow: 0 });
});

t.test('Directory tells live, stopped and unknown names apart, and forgets old stopped names', async (t) => {
  const directory = new Directory(2);
  directory.apply([
    ['a', { thread: 1, status: 'live' }],
    ['b', { thread: 2, status: 'stopped' }],
  ]);
  t.equal(directory.threadOf('a'), 1);
  t.throws(() => directory.threadOf('b'), ActorStoppedError);
  t.throws(() => directory.threadOf('c'), { code: 'ACTOR_NOT_FOUND' });
  directory.apply([['c', { thread: 1, status: 'stopped' }], ['d', { thread: 1, status: 'stopped' }]]);
  t.equal(directory.get('b'), undefined, 'the oldest stopped name was forgotten');
  t.equal(directory.get('d')?.status, 'stopped');
  directory.apply([['a', null]]);
  t.same(directory.snapshot().map(([name]) => name), ['c', 'd']);
});

t.test('parseEnvelope accepts the four frame kinds and rejects anything else', async (t) => {
  t.same(parseEnvelope([0, 'x', { hi: 1 }]), [0, 'x', { hi: 1 }]);
  t.same(parseEnvelope([1, 'x', 'q', 7]), [1, 'x', 'q', 7]);
  t.same(parseEnvelope([2, 7, 'answer']), [2, 7, 'answer']);
  t.same(parseEnvelope([3, 7, { code: 'ACTOR_STOPPED', details: { actor: 'x' } }])[2], { code: 'ACTOR_STOPPED', details: { actor: 'x' } });
  for (const bad of [null, 'text', [0, 'x'], [9, 'x', 1], [0, '', 1], [1, 'x', 1, 0], [2, 'x', 1], [3, 1, 'not an error']]) {
    t.throws(() => parseEnvelope(bad), MalformedFrameError, JSON.stringify(bad));
  }
});

t.test('PendingAsks settles each ask exactly once: reply, timeout or a dead thread', async (t) => {
  const pending = new PendingAsks(0, 2);
  const first = pending.open('a', 1, 60_000);
  const second = pending.open('b', 2, 20);
  t.throws(() => pending.open('c', 1, 60_000), { code: 'PENDING_ASKS_LIMIT' });
  pending.settle(first.askId, { ok: true, value: 'yes' });
  pending.settle(first.askId, { ok: true, value: 'again' });
  t.equal(await first.reply, 'yes');
  t.equal(pending.lateReplies, 1, 'a second reply is counted, never delivered');
  await t.rejects(second.reply, AskTimeoutError);
  const third = pending.open('c', 3, 60_000);
  t.equal(pending.rejectTargetingThread(3, (actor) => new ThreadDiedError({ actor, thread: 3 })), 1);
  await t.rejects(third.reply, { code: 'THREAD_DIED', details: { actor: 'c', thread: 3 } });
  t.equal(pending.size, 0);
});

t.test('PendingAsks: asks with different timeouts share one timer and each times out at its own deadline', async (t) => {
  const pending = new PendingAsks(0, 10);
  const openedAt = performance.now();
  const long = pending.open('long', 1, 60_000);
  const late = pending.open('late', 1, 80);
  const early = pending.open('early', 1, 20);
  const answered = pending.open('answered', 1, 20);
  pending.settle(answered.askId, { ok: true, value: 'in time' });
  t.equal(await answered.reply, 'in time', 'an answered ask never times out');
  await t.rejects(early.reply, { code: 'ASK_TIMEOUT', details: { actor: 'early', timeoutMs: 20 } });
  t.ok(performance.now() - openedAt >= 19, 'not before its deadline');
  t.equal(pending.size, 2, 'the others still wait');
  await t.rejects(late.reply, { code: 'ASK_TIMEOUT', details: { actor: 'late', timeoutMs: 80 } });
  t.ok(performance.now() - openedAt >= 79, 'the later deadline is kept after the earlier one fired');
  t.equal(pending.size, 1);
  pending.settle(long.askId, { ok: true, value: 'done' });
  t.equal(await long.reply, 'done');
  t.equal(pending.size, 0, 'nothing left, so no timer holds the thread');
});

t.test('typed errors keep their class and details across a thread boundary', async (t) => {
  for (const error of [new ActorStoppedError({ actor: 'x' }), new MailboxFullError({ actor: 'y', limitMessages: 5 })]) {
    const copy = fromWireError(unpack(pack(toWireError(error, 'ignored'))) as ReturnType<typeof toWireError>);
    t.equal(copy.constructor, error.constructor);
    t.same(copy.details, error.details);
    t.equal(copy.message, error.message);
  }
  const foreign = fromWireError(toWireError(new SyntaxError('bad token'), 'parser'));
  t.ok(foreign instanceof ActorFailedError);
  t.same(foreign.details, { actor: 'parser', causeName: 'SyntaxError', causeMessage: 'bad token' });
  t.match(fromWireError({ code: 'FROM_THE_FUTURE', details: {} }), { code: 'ACTOR_FAILED', details: { causeName: 'FROM_THE_FUTURE' } });
});

t.test('refs and repliers survive msgpackr and bind to the decoding thread', async (t) => {
  const sent: unknown[] = [];
  const router: Router = {
    threadIndex: 5,
    send: (target, message) => void sent.push([target.name, message]),
    ask: () => Promise.resolve('unused'),
    flush: () => Promise.resolve(),
    settleReply: (replier, outcome) => void sent.push([replier.askId, outcome]),
  };
  installRouter(router);
  t.teardown(() => uninstallRouter(router));
  const decoded = unpack(pack({ to: new ActorRef('worker', 2, router), replier: new Replier(1, 42, 'worker', router) })) as {
    to: ActorRef<string>;
    replier: Replier<string>;
  };
  t.ok(decoded.to instanceof ActorRef);
  t.equal(decoded.to.toString(), 'ActorRef(worker@2)');
  decoded.to.send('hello');
  decoded.replier.resolve('done');
  t.throws(() => decoded.replier.resolve('twice'), /already given/);
  t.same(sent, [['worker', 'hello'], [42, { ok: true, value: 'done' }]]);
  await t.rejects(decoded.to.ask('q', { timeoutMs: -1 }), InvalidOptionError);
});

t.test('message type descriptions never include content; defineActor checks its argument', async (t) => {
  t.equal(describeMessageType({ type: 'put', secret: 'x' }), '"put"');
  t.equal(describeMessageType({ kind: 'put' }), '(object without a string "type" field)');
  t.equal(describeMessageType(null), '(null)');
  t.equal(describeMessageType(7), '(number)');
  t.throws(() => defineActor(42 as never), TypeError);
});

t.test('PendingAsks: thousands waiting at once (the table grows), replies in any order, each settled once', async (t) => {
  const pending = new PendingAsks(0, 5_000);
  const opened = Array.from({ length: 5_000 }, (_, i) => pending.open(`a${i}`, 1, 60_000));
  t.throws(() => pending.open('one-too-many', 1, 60_000), { code: 'PENDING_ASKS_LIMIT' });
  t.equal(new Set(opened.map((ask) => ask.askId)).size, 5_000, 'distinct ids');
  // Settle the even ones in reverse order, then open more: new ids must skip slots odd ones still hold.
  for (let i = 4_998; i >= 0; i -= 2) pending.resolve(opened[i]!.askId, i);
  const more = Array.from({ length: 2_500 }, () => pending.open('more', 1, 60_000));
  t.equal(pending.size, 5_000);
  for (let i = 1; i < 5_000; i += 2) pending.resolve(opened[i]!.askId, i);
  for (const ask of more) pending.reject(ask.askId, new Error('later'));
  pending.resolve(opened[0]!.askId, 'again');
  t.equal(pending.lateReplies, 1);
  t.same(await Promise.all(opened.map((ask) => ask.reply)), Array.from({ length: 5_000 }, (_, i) => i), 'every reply reached its own ask');
  t.equal((await Promise.allSettled(more.map((ask) => ask.reply))).filter((r) => r.status === 'rejected').length, 2_500);
  t.equal(pending.size, 0);
});
