/**
 * A message arriving over a ring for an actor whose mailbox is full is not
 * refused: the ring from that thread pauses with the message held, the
 * sender meets a full ring and waits, and every message arrives once, in
 * order. A mailbox of 4 messages against a burst of thousands makes that
 * happen on nearly every frame.
 */
import t from 'tap';
import { ActorSystem, type SystemEvent } from '../../runtime/index.ts';
import type { BlasterMessage } from './fixtures/blaster.ts';
import type { RecorderMessage, RecorderReport } from './fixtures/recorder.ts';
import { fixture } from './helpers.ts';

const system = await ActorSystem.start({
  placement: { groups: { senders: ['blaster-1', 'blaster-2'], receiver: ['recorder'] } },
  ringCapacityBytes: 4096,
  limits: { mailboxLimitMessages: 4 },
});
t.teardown(() => system.shutdown());

const events: SystemEvent[] = [];
system.onEvent((event) => events.push(event));

t.test('a full mailbox pauses the ring instead of refusing cross-thread messages', async (t) => {
  const recorder = await system.spawn<RecorderMessage>({ name: 'recorder', module: fixture('recorder.ts'), export: 'recorder' });
  const blasters = await Promise.all(
    ['blaster-1', 'blaster-2'].map((name) => system.spawn<BlasterMessage>({ name, module: fixture('blaster.ts'), export: 'blaster' })),
  );
  const perBlaster = 10_000;
  const counts = await Promise.all(
    blasters.map((blaster) => blaster.ask<number>({ type: 'blast', target: recorder, sender: blaster.name, count: perBlaster }, { timeoutMs: 60_000 })),
  );
  t.same(counts, [perBlaster, perBlaster]);
  // A blast returns once its frames are in the ring; the last of them may still be held back
  // there (that is the point), so ask until they are in, or until the bound.
  const expectedTotal = 2 * perBlaster;
  let report = await recorder.ask<RecorderReport>({ type: 'report' });
  for (let asked = 1; asked < 10_000 && Object.values(report.received).reduce((a, b) => a + b, 0) < expectedTotal; asked += 1) {
    report = await recorder.ask<RecorderReport>({ type: 'report' });
  }
  t.same(report.received, { 'blaster-1': perBlaster, 'blaster-2': perBlaster }, 'every message arrived');
  t.same(report.outOfOrder, {}, 'in order per sender');
  t.same(events.filter((event) => event.type === 'message-rejected'), [], 'nothing was refused for a full mailbox');
});
