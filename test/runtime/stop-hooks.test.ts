/**
 * ctx.onStop(): what an incarnation registered is released when it ends. A
 * restarted actor's old timer no longer fires (after a crash and after a
 * requested restart), a hook that throws is reported as an event and never
 * thrown into whoever stopped the actor, and the hook list itself keeps its
 * order, bound and once-only promise.
 */
import t, { type Test } from 'tap';
import { ActorSystem, type ActorRef } from '../../runtime/index.ts';
import { STOP_HOOKS_MAX, StopHooks } from '../../runtime/stop-hooks.ts';
import type { TickReport, TickerArgs, TickerMessage } from './fixtures/ticker.ts';
import { fixture, isEvent, nextEvent } from './helpers.ts';

const TICK_INTERVAL_MS = 5;
/** Enough ticks of the new incarnation that an old timer left running would have ticked too. */
const TICKS_AFTER_RESTART = 10;

async function startTicker(t: Test): Promise<{ system: ActorSystem; ticker: ActorRef<TickerMessage> }> {
  const system = await ActorSystem.start({ placement: 'single', supervision: { backoff: { initialMs: 30 } } });
  t.teardown(() => system.shutdown());
  const args: TickerArgs = { intervalMs: TICK_INTERVAL_MS };
  const ticker = await system.spawn<TickerMessage>({ name: 'ticker', module: fixture('ticker.ts'), export: 'ticker', args });
  await ticker.ask<TickReport>({ type: 'await-ticks', count: 2 });
  return { system, ticker };
}

t.test('after a crash and a supervised restart, the old incarnation timer no longer fires', async (t) => {
  const { system, ticker } = await startTicker(t);
  const before = await ticker.ask<TickReport>({ type: 'await-ticks', count: 1 });
  const restarted = nextEvent(system, isEvent('actor-restarted', 'ticker'));
  ticker.send({ type: 'crash' });
  await restarted;
  const after = await ticker.ask<TickReport>({ type: 'await-ticks', count: TICKS_AFTER_RESTART });
  t.not(after.incarnation, before.incarnation, 'a new incarnation answers');
  t.equal(after.staleTicks, 0, 'no tick from the crashed incarnation reached the new one (during the backoff or after)');
});

t.test('after a requested restart, the old incarnation timer no longer fires', async (t) => {
  const { system, ticker } = await startTicker(t);
  const before = await ticker.ask<TickReport>({ type: 'await-ticks', count: 1 });
  await system.control.restart('ticker');
  const after = await ticker.ask<TickReport>({ type: 'await-ticks', count: TICKS_AFTER_RESTART });
  t.not(after.incarnation, before.incarnation, 'a new incarnation answers');
  t.equal(after.staleTicks, 0, 'no tick from the replaced incarnation');
});

t.test('a stop hook that throws becomes an event; the stop itself succeeds', async (t) => {
  const { system, ticker } = await startTicker(t);
  await ticker.ask({ type: 'add-failing-stop-hook' });
  const failed = nextEvent(system, isEvent('stop-hook-failed', 'ticker'));
  const outcome = await system.control.stop('ticker');
  t.same(outcome, { discardedMessages: 0, rejectedAsks: 0 }, 'stop resolved normally');
  const event = await failed;
  t.match(event, { thread: 1, error: { code: 'ACTOR_FAILED', details: { causeMessage: 'releasing failed' } } });
  const threads = await system.control.threads();
  t.same(threads.map((thread) => [thread.thread, thread.alive, thread.incarnation]), [[0, true, 1], [1, true, 1]], 'the worker did not die');
});

t.test('stopping an actor whose timer sends to itself never takes its thread down', async (t) => {
  const system = await ActorSystem.start({ placement: 'single' });
  t.teardown(() => system.shutdown());
  for (let round = 0; round < 20; round++) {
    const ticker = await system.spawn<TickerMessage>({ name: `fast-ticker-${round}`, module: fixture('ticker.ts'), export: 'ticker', args: { intervalMs: 1 } });
    await ticker.ask<TickReport>({ type: 'await-ticks', count: 1 });
    await system.control.stop(`fast-ticker-${round}`);
  }
  const threads = await system.control.threads();
  t.same(threads.map((thread) => [thread.thread, thread.alive, thread.incarnation]), [[0, true, 1], [1, true, 1]], 'the worker never died and was never replaced');
});

t.test('StopHooks: newest first, once, the rest still run after a throw, late hooks run at once, bounded', async (t) => {
  const errors: unknown[] = [];
  const ran: string[] = [];
  const hooks = new StopHooks('a', (error) => errors.push(error));
  hooks.add(() => ran.push('first'));
  hooks.add(() => {
    throw new Error('second failed');
  });
  hooks.add(() => ran.push('third'));
  t.equal(hooks.ended, false);
  hooks.runAll();
  hooks.runAll();
  t.same(ran, ['third', 'first'], 'newest first, each once, the failure did not stop the rest');
  t.match(errors, [{ message: 'second failed' }]);
  t.equal(hooks.ended, true);
  hooks.add(() => ran.push('late'));
  t.same(ran, ['third', 'first', 'late'], 'a hook added after the end runs at once');

  const rejected = new Promise<void>((resolve) => {
    const asyncHooks = new StopHooks('b', (error) => {
      t.match(error, { message: 'async release failed' });
      resolve();
    });
    asyncHooks.add(async () => {
      throw new Error('async release failed');
    });
    asyncHooks.runAll();
  });
  await rejected;

  const bounded = new StopHooks('c', () => undefined);
  for (let i = 0; i < STOP_HOOKS_MAX; i += 1) bounded.add(() => undefined);
  t.throws(() => bounded.add(() => undefined), RangeError);
  t.throws(() => new StopHooks('d', () => undefined).add('not a function' as unknown as () => void), TypeError);
});
