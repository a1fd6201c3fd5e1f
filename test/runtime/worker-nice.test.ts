/**
 * workerNice: every actor worker thread, replacements included, runs at the
 * nice value asked for, while the host's own thread keeps its priority; bad
 * values fail at start naming the option.
 */
import t from 'tap';
import { ActorSystem, InvalidOptionError } from '../../runtime/index.ts';
import { type CounterMessage, threadNice } from './fixtures/counter.ts';
import { fixture, isEvent, nextEvent } from './helpers.ts';

const counterSpec = (name: string) => ({ name, module: fixture('counter.ts'), export: 'counter', args: { start: 0 } });

t.test('workers run at the nice value asked for; the host thread does not change', async (t) => {
  const hostNiceBefore = threadNice();
  const system = await ActorSystem.start({ threads: 2, placement: 'per-actor', workerNice: 7 });
  t.teardown(() => system.shutdown());
  const first = await system.spawn<CounterMessage>(counterSpec('first'));
  const second = await system.spawn<CounterMessage>(counterSpec('second'));
  t.not(first.thread, second.thread, 'two different workers');
  t.equal(await first.ask<number>({ type: 'thread-nice' }), 7);
  t.equal(await second.ask<number>({ type: 'thread-nice' }), 7);
  t.equal(threadNice(), hostNiceBefore, 'only the workers were reniced, not the process');

  const restarted = nextEvent(system, isEvent('actor-restarted', 'first'), 30_000);
  await first.ask({ type: 'exit-thread', code: 3 }).catch(() => undefined);
  await restarted;
  t.equal(await first.ask<number>({ type: 'thread-nice' }), 7, 'the replacement worker too');
});

t.test('workerNice 0 (the default) leaves workers at the host priority', async (t) => {
  const system = await ActorSystem.start({ threads: 1, placement: 'single' });
  t.teardown(() => system.shutdown());
  const counter = await system.spawn<CounterMessage>(counterSpec('counter'));
  t.equal(await counter.ask<number>({ type: 'thread-nice' }), threadNice());
});

t.test('bad workerNice values fail at start', async (t) => {
  for (const workerNice of [-1, 20, 1.5, Number.NaN]) {
    await t.rejects(ActorSystem.start({ threads: 1, placement: 'single', workerNice }), InvalidOptionError, `workerNice ${workerNice}`);
    await t.rejects(ActorSystem.start({ threads: 1, placement: 'single', workerNice }), { message: /workerNice/ });
  }
});
