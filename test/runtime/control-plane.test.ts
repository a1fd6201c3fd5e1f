/**
 * The control plane (comlink, off the hot path): listing actors with their
 * counters, listing threads with their ring links, stopping an actor with
 * queued messages (explicitly refused) and restarting one with fresh state.
 */
import t from 'tap';
import { ActorNotFoundError, ActorStoppedError, ActorSystem, BehaviourLoadError } from '../../runtime/index.ts';
import type { CounterMessage } from './fixtures/counter.ts';
import { fixture, isEvent, nextEvent } from './helpers.ts';

const system = await ActorSystem.start({ threads: 2, placement: 'per-actor' });
t.teardown(() => system.shutdown());

const busy = await system.spawn<CounterMessage>({ name: 'busy', module: fixture('counter.ts'), export: 'counter', args: { start: 0 } });
const calm = await system.spawn<CounterMessage>({ name: 'calm', module: fixture('counter.ts'), export: 'counter', args: { start: 50 } });

t.test('list shows each actor with its counters; stop refuses what is queued', async (t) => {
  calm.send({ type: 'increment', by: 1 });
  t.equal(await calm.ask({ type: 'get' }), 51);
  const sleeping = busy.ask({ type: 'sleep', ms: 1_500 });
  for (let i = 0; i < 5; i += 1) busy.send({ type: 'increment', by: 1 });
  // Caught at once: it is rejected while the stop below is awaited.
  const queuedAsk = busy.ask({ type: 'get' }).catch((error: unknown) => error);
  await busy.flush();

  const listed = await system.control.list();
  t.same(listed.map((a) => [a.name, a.thread]), [['busy', busy.thread], ['calm', calm.thread]]);
  const busyInfo = listed.find((a) => a.name === 'busy');
  t.match(busyInfo, { status: 'running', messagesProcessed: 1, restarts: 0 });
  t.ok((busyInfo?.mailboxDepth ?? 0) <= 6, 'what is not yet handled waits in the mailbox (or still in the ring)');
  t.match(listed.find((a) => a.name === 'calm'), { status: 'running', mailboxDepth: 0, messagesProcessed: 2, ringStalls: 0 });

  const threads = await system.control.threads();
  t.same(threads.map((th) => [th.thread, th.alive, th.incarnation]), [[0, true, 1], [1, true, 1], [2, true, 1]]);
  const mainToBusy = threads[0]?.links.find((l) => l.peer === busy.thread);
  t.match(mainToBusy, { attached: true, outboxDepth: 0 });
  t.ok((threads.find((th) => th.thread === busy.thread)?.links.find((l) => l.peer === 0)?.framesReceived ?? 0) >= 1, 'frames from main counted');

  // Stop while the actor is still busy: what waits in its mailbox is refused, explicitly.
  await waitForMailboxDepth('busy', 6);
  const stopped = nextEvent(system, isEvent('actor-stopped', 'busy'));
  const outcome = await system.control.stop('busy');
  t.same(outcome, { discardedMessages: 5, rejectedAsks: 1 });
  t.ok((await queuedAsk) instanceof ActorStoppedError, 'the ask waiting in the mailbox is rejected with ActorStoppedError');
  t.equal(await sleeping, 'slept', 'the message being handled finishes');
  t.match(await stopped, { reason: 'requested', discardedMessages: 5, rejectedAsks: 1 });
  t.same((await system.control.list()).map((a) => a.name), ['calm']);
  t.throws(() => busy.send({ type: 'get' }), ActorStoppedError);
});

t.test('restart gives an actor fresh state and counts the restart', async (t) => {
  const restarted = nextEvent(system, isEvent('actor-restarted', 'calm'));
  await system.control.restart('calm');
  t.match(await restarted, { reason: 'requested' });
  t.equal(await calm.ask({ type: 'get' }), 50, 'state came from the factory again');
  t.match((await system.control.list()).find((a) => a.name === 'calm'), { restarts: 1, status: 'running' });
  await t.rejects(system.control.restart('nobody'), ActorNotFoundError);
});

t.test('a behaviour that cannot be loaded fails its spawn with BehaviourLoadError', async (t) => {
  await t.rejects(system.spawn({ name: 'broken', module: fixture('counter.ts'), export: 'noSuchActor' }), BehaviourLoadError);
  await t.rejects(system.spawn({ name: 'broken', module: fixture('missing.ts'), export: 'counter' }), {
    code: 'BEHAVIOUR_LOAD',
    details: { reason: /import failed/ },
  });
  t.throws(() => system.ref('broken'), ActorNotFoundError, 'a failed spawn registers nothing');
});

t.test('a stopped name can be spawned again', async (t) => {
  const again = await system.spawn<CounterMessage>({ name: 'busy', module: fixture('counter.ts'), export: 'counter', args: { start: 9 } });
  t.equal(await again.ask({ type: 'get' }), 9);
});

/** Polls the control plane (the thing under test) until the mailbox holds `depth` messages. */
async function waitForMailboxDepth(actor: string, depth: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const info = (await system.control.list()).find((a) => a.name === actor);
    if (info?.mailboxDepth === depth) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`mailbox of ${actor} never reached ${depth}`);
}
