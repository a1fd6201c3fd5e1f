/**
 * One thread's runtime on its own, no workers: local delivery hands over the
 * very object sent (no encoding, no copy), asks are answered from the return
 * value, crashes suspend the actor and are reported, a full mailbox refuses
 * with a typed error, and close() rejects what waits.
 */
import t, { type Test } from 'tap';
import type { BehaviourFactory } from '../../runtime/actor-cell.ts';
import { ActorRef } from '../../runtime/actor-ref.ts';
import { matchType, type Behaviour } from '../../runtime/behaviour.ts';
import { DEFAULT_LIMITS } from '../../runtime/system-options.ts';
import { ThreadRuntime, type ThreadReport } from '../../runtime/thread-runtime.ts';
import {
  ActorFailedError,
  ActorNotFoundError,
  ActorStoppedError,
  MailboxFullError,
  SystemShutdownError,
  UnknownMessageError,
} from '../../runtime/errors.ts';

type Box = { readonly type: 'keep'; readonly payload: object } | { readonly type: 'last' } | { readonly type: 'boom' };

function keeper(): BehaviourFactory {
  return () => {
    let last: object | undefined;
    return matchType<Box>({
      keep: (message) => {
        last = message.payload;
      },
      last: () => last,
      boom: () => {
        throw new TypeError('kaboom');
      },
    }) as Behaviour<unknown>;
  };
}

function withRuntime(t: Test, limits = DEFAULT_LIMITS): { runtime: ThreadRuntime; reports: ThreadReport[] } {
  const reports: ThreadReport[] = [];
  const runtime = new ThreadRuntime(0, limits, (report) => reports.push(report));
  t.teardown(() => runtime.close());
  return { runtime, reports };
}

t.test('a local send hands over the same object: no encoding, no copy', async (t) => {
  const { runtime } = withRuntime(t);
  await runtime.spawnLocal('keeper', keeper());
  const ref = new ActorRef<Box>('keeper', 0, runtime);
  const payload = { big: new Uint8Array(1024), nested: { deep: true } };
  ref.send({ type: 'keep', payload });
  t.equal(await ref.ask({ type: 'last' }), payload, 'identical object, not a clone');
});

t.test('a crash rejects the ask, suspends the actor and is reported; restart resumes with queued messages', async (t) => {
  const { runtime, reports } = withRuntime(t);
  await runtime.spawnLocal('keeper', keeper());
  const ref = new ActorRef<Box>('keeper', 0, runtime);
  await t.rejects(ref.ask({ type: 'boom' }), ActorFailedError);
  t.match(reports, [{ type: 'actor-failed', actor: 'keeper', error: { code: 'ACTOR_FAILED', details: { causeName: 'TypeError', causeMessage: 'kaboom' } } }]);
  const payload = { n: 1 };
  ref.send({ type: 'keep', payload });
  const answer = ref.ask({ type: 'last' });
  t.match(runtime.actorCounters(), [{ name: 'keeper', status: 'suspended', mailboxDepth: 2 }], 'messages wait while suspended');
  await runtime.restartLocal('keeper');
  t.equal(await answer, payload);
});

t.test('unknown message types are refused without a crash', async (t) => {
  const { runtime, reports } = withRuntime(t);
  await runtime.spawnLocal('keeper', keeper());
  const ref = new ActorRef<unknown>('keeper', 0, runtime);
  await t.rejects(ref.ask({ type: 'dance' }), UnknownMessageError);
  ref.send('not even an object');
  await ref.ask({ type: 'last' });
  t.match(reports, [{ type: 'message-rejected', actor: 'keeper', error: { code: 'UNKNOWN_MESSAGE', details: { messageType: '(string)' } } }]);
  t.match(runtime.actorCounters(), [{ status: 'running', messagesRejected: 2 }]);
});

t.test('a full mailbox refuses with MailboxFullError instead of growing', async (t) => {
  const { runtime } = withRuntime(t, { ...DEFAULT_LIMITS, mailboxLimitMessages: 3 });
  await runtime.spawnLocal('keeper', keeper());
  const ref = new ActorRef<Box>('keeper', 0, runtime);
  // Synchronous sends: the actor cannot run in between, so the fourth finds the mailbox full.
  for (let i = 0; i < 3; i += 1) ref.send({ type: 'keep', payload: { i } });
  t.throws(() => ref.send({ type: 'keep', payload: { i: 3 } }), MailboxFullError);
  await ref.flush(); // yields once, so the actor drains its mailbox
  t.same(await ref.ask({ type: 'last' }), { i: 2 });
});

t.test('missing, stopped and closed targets fail with typed errors', async (t) => {
  const { runtime } = withRuntime(t);
  t.throws(() => new ActorRef<Box>('ghost', 0, runtime).send({ type: 'last' }), ActorNotFoundError);
  await runtime.spawnLocal('keeper', keeper());
  const ref = new ActorRef<Box>('keeper', 0, runtime);
  runtime.applyDirectory([['keeper', { thread: 0, status: 'live' }]]);
  t.same(runtime.stopLocal('keeper'), { discardedMessages: 0, rejectedAsks: 0 });
  runtime.applyDirectory([['keeper', { thread: 0, status: 'stopped' }]]);
  t.throws(() => ref.send({ type: 'last' }), ActorStoppedError);
  await t.rejects(ref.ask({ type: 'last' }), ActorStoppedError);
  t.throws(() => runtime.lookup('keeper'), ActorStoppedError);

  await runtime.spawnLocal('slow', () => ({ receive: () => new Promise(() => undefined) }));
  const slow = new ActorRef<string>('slow', 0, runtime);
  const hanging = slow.ask('never answered', { timeoutMs: 60_000 });
  await slow.flush(); // yields once: the first ask is now being handled, the next one waits in the mailbox
  const queued = slow.ask('queued', { timeoutMs: 60_000 });
  t.same(runtime.close(), { rejectedAsks: 2, discardedMessages: 1, undeliveredFrames: 0 });
  await t.rejects(hanging, SystemShutdownError);
  await t.rejects(queued, SystemShutdownError);
  t.throws(() => slow.send('after close'), SystemShutdownError);
});
