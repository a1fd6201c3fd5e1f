/**
 * Supervision on a system of 2 workers: one-for-one restarts with growing
 * backoff, escalation past the restart budget, and worker threads that die
 * (uncaught throw, process.exit, resourceLimits) replaced with their actors
 * restarted there while actors on other threads keep their state.
 */
import t from 'tap';
import {
  ActorFailedError,
  ActorStoppedError,
  ActorSystem,
  ThreadDiedError,
  type SystemEvent,
} from '../../runtime/index.ts';
import type { CounterMessage } from './fixtures/counter.ts';
import { fixture, isEvent, nextEvent } from './helpers.ts';

const system = await ActorSystem.start({
  threads: 2,
  placement: 'per-actor',
  // Small heaps so the memory test fails fast; ample for everything else.
  workerResourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
});
t.teardown(() => system.shutdown());

const events: SystemEvent[] = [];
system.onEvent((event) => events.push(event));

t.test('a crashing actor is restarted with exponential backoff, then escalated past its budget', async (t) => {
  const fragile = await system.spawn<CounterMessage>({
    name: 'fragile',
    module: fixture('counter.ts'),
    export: 'counter',
    args: { start: 100 },
    supervision: { maxRestarts: 3, withinMs: 60_000, backoff: { initialMs: 20, factor: 2, maxMs: 1_000 } },
  });

  const restartDelays: number[] = [];
  for (let crash = 1; crash <= 3; crash += 1) {
    fragile.send({ type: 'increment', by: 7 });
    const restarted = nextEvent(system, isEvent('actor-restarted', 'fragile'));
    const failedAtMs = performance.now();
    await t.rejects(fragile.ask({ type: 'crash', reason: `crash ${crash}` }), ActorFailedError, 'the asker hears of the crash');
    // Sent while the actor waits for its restart: kept in the mailbox, handled by the new incarnation.
    fragile.send({ type: 'increment', by: crash });
    const event = await restarted;
    t.ok(performance.now() - failedAtMs >= event.delayMs - 2, `restart ${crash} waited its backoff (${event.delayMs} ms)`);
    t.equal(event.attempt, crash);
    restartDelays.push(event.delayMs);
    t.equal(await fragile.ask({ type: 'get' }), 100 + crash, 'fresh state, and the message sent during the backoff arrived');
  }
  t.same(restartDelays, [20, 40, 80], 'each restart within the window waits twice as long');

  const escalated = nextEvent(system, isEvent('actor-escalated', 'fragile'));
  const stopped = nextEvent(system, isEvent('actor-stopped', 'fragile'));
  fragile.send({ type: 'crash', reason: 'one crash too many' });
  const escalation = await escalated;
  t.equal(escalation.restartsInWindow, 3);
  t.match(escalation.error, { details: { causeMessage: 'one crash too many' } });
  t.equal((await stopped).reason, 'escalated');
  t.throws(() => fragile.send({ type: 'get' }), ActorStoppedError, 'an escalated actor is stopped');
  t.same(
    (await system.control.list()).map((a) => a.name),
    [],
    'the escalated actor is gone from the listing',
  );
});

t.test('actors of a worker that dies come back on a new worker; other threads keep their state', async (t) => {
  const victim = await system.spawn<CounterMessage>({
    name: 'victim',
    module: fixture('counter.ts'),
    export: 'counter',
    args: { start: 1 },
    supervision: { maxRestarts: 5, backoff: { initialMs: 10 } },
  });
  const bystander = await system.spawn<CounterMessage>({ name: 'bystander', module: fixture('counter.ts'), export: 'counter', args: { start: 0 } });
  t.not(victim.thread, bystander.thread);

  const kills: { readonly how: string; readonly kill: () => Promise<unknown>; readonly reason: RegExp }[] = [
    { how: 'an uncaught throw', kill: () => victim.ask({ type: 'throw-uncaught' }), reason: /uncaught in worker/ },
    { how: 'process.exit()', kill: () => victim.ask({ type: 'exit-thread', code: 7 }).catch((e: unknown) => e), reason: /code 7/ },
    { how: 'resourceLimits', kill: () => victim.ask({ type: 'exhaust-memory' }, { timeoutMs: 30_000 }).catch((e: unknown) => e), reason: /memory/i },
  ];
  for (const [i, { how, kill, reason }] of kills.entries()) {
    bystander.send({ type: 'increment', by: 1 });
    victim.send({ type: 'increment', by: 10 });
    const died = nextEvent(system, isEvent('thread-died'), 30_000);
    const restarted = nextEvent(system, isEvent('actor-restarted', 'victim'), 30_000);
    const outcome = await kill();
    const death = await died;
    t.equal(death.thread, victim.thread, `${how}: the victim's thread died`);
    t.match(death.reason, reason);
    t.same(death.actors, ['victim']);
    // Sent after the death was detected: waits for the replacement thread instead of being lost.
    victim.send({ type: 'increment', by: 1_000 });
    t.equal((await restarted).reason, 'thread-died');
    t.equal(await victim.ask({ type: 'get' }), 1_001, `${how}: the victim restarted from scratch and got the later message`);
    t.same(await victim.ask({ type: 'whoami' }), { name: 'victim', thread: victim.thread }, 'same thread index, new worker');
    t.equal(await bystander.ask({ type: 'get' }), i + 1, `${how}: the bystander on another thread kept its state`);
    if (outcome instanceof Error) t.ok(outcome instanceof ThreadDiedError, `${how}: the pending ask failed with ThreadDiedError`);
  }
  const threads = await system.control.threads();
  t.equal(threads.find((th) => th.thread === victim.thread)?.incarnation, 4, 'three replacements of the victim thread');
  t.equal((await system.control.list()).find((a) => a.name === 'victim')?.restarts, 3);
});
