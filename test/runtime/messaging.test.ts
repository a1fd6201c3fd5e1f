/**
 * Messaging across threads on one system of 3 workers: ordering and
 * exactly-once under backpressure (tiny rings), ask timeouts, become,
 * deferred replies carried to another thread, unknown message types, and
 * sends to a stopped actor.
 */
import t from 'tap';
import {
  ActorStoppedError,
  ActorSystem,
  AskTimeoutError,
  ActorFailedError,
  FrameTooLargeError,
  UnknownMessageError,
  type ActorRef,
} from '../../runtime/index.ts';
import type { BlasterMessage } from './fixtures/blaster.ts';
import type { CounterMessage } from './fixtures/counter.ts';
import type { DoorMessage } from './fixtures/door.ts';
import type { RecorderMessage, RecorderReport } from './fixtures/recorder.ts';
import type { OracleMessage, RelayMessage } from './fixtures/relay.ts';
import { fixture, isEvent, nextEvent } from './helpers.ts';

const system = await ActorSystem.start({
  placement: {
    groups: {
      first: ['blaster-1', 'relay', 'door'],
      second: ['blaster-2', 'oracle', 'counter'],
      third: ['recorder', 'blaster-3'],
    },
  },
  // Tiny rings: a burst of thousands of messages must wait for space many times.
  ringCapacityBytes: 4096,
  maxMessageBytes: 256 * 1024,
});
t.teardown(() => system.shutdown());

t.test('many senders on several threads reach one actor exactly once, in order per sender', async (t) => {
  const recorder = await system.spawn<RecorderMessage>({ name: 'recorder', module: fixture('recorder.ts'), export: 'recorder' });
  const blasters = await Promise.all(
    ['blaster-1', 'blaster-2', 'blaster-3'].map((name) =>
      system.spawn<BlasterMessage>({ name, module: fixture('blaster.ts'), export: 'blaster' }),
    ),
  );
  const perBlaster = 20_000;
  const fromMain = 5_000;
  const blasts = blasters.map((blaster) =>
    blaster.ask<number>({ type: 'blast', target: recorder, sender: blaster.name, count: perBlaster }, { timeoutMs: 30_000 }),
  );
  for (let seq = 0; seq < fromMain; seq += 1) recorder.send({ type: 'record', sender: 'main', seq });
  await recorder.flush();
  t.same(await Promise.all(blasts), [perBlaster, perBlaster, perBlaster]);

  const report = await recorder.ask<RecorderReport>({ type: 'report' });
  t.same(report.received, { 'blaster-1': perBlaster, 'blaster-2': perBlaster, 'blaster-3': perBlaster, main: fromMain });
  t.same(report.outOfOrder, {}, 'no message overtook an earlier one from the same sender');

  const listed = await system.control.list();
  const crossThreadStalls = listed.filter((a) => a.name === 'blaster-1' || a.name === 'blaster-2').reduce((n, a) => n + a.ringStalls, 0);
  t.ok(crossThreadStalls > 0, `senders on other threads waited for ring space (${crossThreadStalls} stalls)`);
  t.equal(listed.find((a) => a.name === 'recorder')?.messagesProcessed, 3 * perBlaster + fromMain + 1);
});

t.test('ask rejects with AskTimeoutError when no reply comes in time; the actor keeps serving', async (t) => {
  const counter = await system.spawn<CounterMessage>({ name: 'counter', module: fixture('counter.ts'), export: 'counter', args: { start: 10 } });
  await t.rejects(counter.ask({ type: 'sleep', ms: 300 }, { timeoutMs: 30 }), AskTimeoutError);
  await t.rejects(counter.ask({ type: 'sleep', ms: 300 }, { timeoutMs: 30 }), { code: 'ASK_TIMEOUT', details: { actor: 'counter', timeoutMs: 30 } });
  t.equal(await counter.ask<number>({ type: 'get' }), 10);
});

t.test('a message larger than the ring travels in fragments; one above the frame limit is refused', async (t) => {
  const counter = system.ref<CounterMessage>('counter');
  const payload = new Uint8Array(64 * 1024).map((_, i) => i % 251);
  // Each 4 KiB ring carries the 64 KiB in 32 fragments per direction; on a loaded machine every wake-up is slow.
  t.same(await counter.ask({ type: 'echo', payload }, { timeoutMs: 30_000 }), payload, '64 KiB through 4 KiB rings, both ways');
  const huge = new Uint8Array(256 * 1024);
  t.throws(() => counter.send({ type: 'echo', payload: huge }), FrameTooLargeError, 'refused at once, with a typed error');
  await t.rejects(counter.ask({ type: 'echo', payload: huge }), FrameTooLargeError);
  t.equal(await counter.ask({ type: 'get' }), 10, 'the link still works');
});

t.test('become swaps the behaviour for the next message', async (t) => {
  const door = await system.spawn<DoorMessage>({ name: 'door', module: fixture('door.ts'), export: 'door', args: { code: '1234' } });
  t.equal(await door.ask({ type: 'open' }), 'locked');
  door.send({ type: 'unlock', code: 'wrong' });
  t.equal(await door.ask({ type: 'open' }), 'locked');
  door.send({ type: 'unlock', code: '1234' });
  t.equal(await door.ask({ type: 'open' }), 'opened 1');
  t.equal(await door.ask({ type: 'open' }), 'opened 2', 'state survives across messages of one behaviour');
  door.send({ type: 'lock' });
  t.equal(await door.ask({ type: 'open' }), 'locked');
});

t.test('a deferred reply travels inside a message and is settled on another thread', async (t) => {
  const oracle = await system.spawn<OracleMessage>({ name: 'oracle', module: fixture('relay.ts'), export: 'oracle' });
  const relay = await system.spawn<RelayMessage>({ name: 'relay', module: fixture('relay.ts'), export: 'relay' });
  t.equal(await relay.ask({ type: 'question', text: 'hello', oracle }), `HELLO (from thread ${oracle.thread})`);
  await t.rejects(relay.ask({ type: 'question', text: '', oracle }), ActorFailedError);
  await t.rejects(relay.ask({ type: 'question', text: '', oracle }), { code: 'ACTOR_FAILED', details: { causeMessage: 'empty question' } });
});

t.test('an unknown message type is a typed error for the asker or the supervisor, and the thread lives on', async (t) => {
  const counter = system.ref<CounterMessage>('counter');
  const loose = counter as unknown as ActorRef<unknown>;
  await t.rejects(loose.ask({ type: 'frobnicate' }), UnknownMessageError);
  await t.rejects(loose.ask({ type: 'frobnicate' }), { code: 'UNKNOWN_MESSAGE', details: { actor: 'counter', messageType: '"frobnicate"' } });
  await t.rejects(loose.ask(42), { code: 'UNKNOWN_MESSAGE', details: { messageType: '(number)' } });

  const rejected = nextEvent(system, isEvent('message-rejected', 'counter'));
  loose.send({ type: 'frobnicate' });
  const event = await rejected;
  t.ok(event.error instanceof UnknownMessageError, 'the supervisor hears of a refused fire-and-forget message');
  t.equal(event.thread, counter.thread);

  counter.send({ type: 'increment', by: 5 });
  t.equal(await counter.ask({ type: 'get' }), 15, 'the actor and its thread still serve');
});

t.test('sending to a stopped actor fails with ActorStoppedError, never silently', async (t) => {
  const doomed = await system.spawn<CounterMessage>({
    name: 'blaster-doomed',
    module: fixture('counter.ts'),
    export: 'counter',
    args: { start: 0 },
  }).catch((error: unknown) => error);
  t.match(doomed, { name: 'PlacementError' }, 'a name outside every group cannot be placed');

  const counter = system.ref<CounterMessage>('counter');
  const stopped = await system.control.stop('counter');
  t.same(stopped, { discardedMessages: 0, rejectedAsks: 0 });
  t.throws(() => counter.send({ type: 'increment', by: 1 }), ActorStoppedError);
  await t.rejects(counter.ask({ type: 'get' }), ActorStoppedError);
  t.throws(() => system.ref('counter'), ActorStoppedError);
  await t.rejects(system.control.stop('counter'), ActorStoppedError);
});
