import t from 'tap';
import fc from 'fast-check';
import { TimerWheel } from '../../actors/lease-wheel/timer-wheel.ts';

const TICKS_PER_LEVEL = [1, 64, 64 ** 2, 64 ** 3, 64 ** 4, 64 ** 5, 64 ** 6];

t.test('a timer fires at the first advance reaching its deadline, on every level and past the top', async (t) => {
  // tickMs 1, so deadlines are exact ticks; each row lands on a different level.
  const rows: [string, number][] = [
    ['level 0', 5],
    ['level 0, last slot', 63],
    ['level 1, first slot', 64],
    ['level 1, with a remainder', 65 + 64 * 7],
    ['level 2', TICKS_PER_LEVEL[2]! * 3 + 17],
    ['level 3', TICKS_PER_LEVEL[3]! * 5 + TICKS_PER_LEVEL[1]! * 9 + 1],
    ['level 5', TICKS_PER_LEVEL[5]! * 2 + 12345],
    ['overflow (beyond the top level)', TICKS_PER_LEVEL[6]! * 3 + 99],
  ];
  for (const [name, deadline] of rows) {
    const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
    wheel.schedule(name, deadline);
    t.same(wheel.advanceTo(deadline - 1), [], `${name}: not yet at ${deadline - 1}`);
    t.same(wheel.advanceTo(deadline), [name], `${name}: fires at ${deadline}`);
    t.equal(wheel.size, 0, `${name}: nothing left armed`);
  }
});

t.test('deadlines round up to the tick: never early, late by less than one tick', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 100, startMs: 1_000 });
  wheel.schedule('a', 1_250);
  t.same(wheel.advanceTo(1_299), [], 'tick 12 has not ended');
  t.same(wheel.advanceTo(1_300), ['a'], 'fires at the start of tick 13');
});

t.test('a deadline already past fires on the next advance, even without the clock moving', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 10, startMs: 500 });
  wheel.schedule('late', 200);
  t.equal(wheel.nextWakeMs(), 500, 'wants to run now');
  t.same(wheel.advanceTo(500), ['late']);
});

t.test('items fire earliest deadline first, even when one advance covers them all', async (t) => {
  const wheel = new TimerWheel<number>({ tickMs: 1, startMs: 0 });
  for (const deadline of [70_000, 3, 4_100, 64, 1, 300_000]) wheel.schedule(deadline, deadline);
  t.same(wheel.advanceTo(1_000_000), [1, 3, 64, 4_100, 70_000, 300_000]);
});

t.test('cancel and reschedule', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
  const a = wheel.schedule('a', 100);
  const b = wheel.schedule('b', 5_000);
  t.equal(wheel.cancel(a), true, 'an armed timer cancels');
  t.equal(wheel.cancel(a), false, 'twice is a no-op that says so');
  wheel.reschedule(b, 50);
  t.same(wheel.advanceTo(49), []);
  t.same(wheel.advanceTo(50), ['b'], 'the moved deadline is the one honoured');
  t.same(wheel.advanceTo(10_000), [], 'nothing fires at the old deadline');
  t.throws(() => wheel.reschedule(b, 60_000), /already fired or was cancelled/);
  t.equal(wheel.cancel(b), false, 'a fired timer cannot be cancelled');
});

t.test('re-arming a timer many times before it fires (a keepalive pattern) fires it once, at the last deadline', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
  const handle = wheel.schedule('lease', 1_000);
  for (let now = 100; now <= 10_000; now += 100) {
    t.same(wheel.advanceTo(now), [], `alive at ${now}`);
    wheel.reschedule(handle, now + 1_000);
  }
  t.same(wheel.advanceTo(10_999), []);
  t.same(wheel.advanceTo(11_000), ['lease']);
});

t.test('time never goes backwards', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 100 });
  t.throws(() => wheel.advanceTo(99), /backwards/);
  t.throws(() => wheel.schedule('x', Number.NaN), /finite/);
  t.throws(() => new TimerWheel({ tickMs: 0, startMs: 0 }), /tickMs/);
});

t.test('nextWakeMs names the next moment with work (a deadline or a cascade), and null when idle', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
  t.equal(wheel.nextWakeMs(), null);
  wheel.schedule('a', 30);
  t.equal(wheel.nextWakeMs(), 30);
  t.same(wheel.advanceTo(30), ['a']);
  const far = 4096 * 5 + 7; // level 2, slot 5: it cascades at 4096 * 5
  wheel.schedule('b', far);
  t.equal(wheel.nextWakeMs(), 4096 * 5, 'first wake: the cascade of level-2 slot 5');
  t.same(wheel.advanceTo(4096 * 5), [], 'the cascade fires nothing');
  t.equal(wheel.nextWakeMs(), far, 'second wake: the deadline itself');
  t.same(wheel.advanceTo(far), ['b']);
  t.equal(wheel.nextWakeMs(), null);
});

t.test('a huge clock jump with few timers costs nothing extra (fires correctly after ~200 years of ticks)', async (t) => {
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
  wheel.schedule('x', 7e12);
  wheel.schedule('y', 2e9);
  t.same(wheel.advanceTo(8e12), ['y', 'x']);
});

t.test('overflow timers: cancelling the earliest one does not disturb the rest', async (t) => {
  const top = 64 ** 6;
  const wheel = new TimerWheel<string>({ tickMs: 1, startMs: 0 });
  const early = wheel.schedule('early', top * 2 + 5);
  wheel.schedule('middle', top * 4 + 1);
  wheel.schedule('late', top * 9);
  wheel.cancel(early);
  t.same(wheel.advanceTo(top * 4), []);
  t.same(wheel.advanceTo(top * 4 + 1), ['middle']);
  t.same(wheel.advanceTo(top * 9 - 1), []);
  t.same(wheel.advanceTo(top * 9), ['late']);
});

t.test('10,000 timers with scattered deadlines each fire once, in order, at the right step', async (t) => {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const wheel = new TimerWheel<number>({ tickMs: 10, startMs: 0 });
  const deadlines: number[] = [];
  for (let i = 0; i < 10_000; i += 1) {
    const deadline = Math.floor(random() * 50_000_000);
    deadlines.push(deadline);
    wheel.schedule(i, deadline);
  }
  let now = 0;
  let previousDueMs = -1;
  let firedCount = 0;
  let misplaced = 0;
  while (wheel.size > 0) {
    const before = now;
    now += 1 + Math.floor(random() * 200_000);
    for (const id of wheel.advanceTo(now)) {
      const dueMs = Math.ceil(deadlines[id]! / 10) * 10;
      // Due in (before, now]: not early, and not owed to an earlier advance.
      if (dueMs > now || dueMs < previousDueMs || (dueMs <= before && before > 0)) misplaced += 1;
      previousDueMs = dueMs;
      firedCount += 1;
    }
  }
  t.equal(firedCount, 10_000);
  t.equal(misplaced, 0, 'none early, none out of order, none skipped past its step');
});

// The reference model: a timer fires at the first advanceTo(now) with
// now >= ceil(deadline / tick) * tick, exactly once, unless cancelled first.
type Command =
  | { readonly kind: 'schedule'; readonly deltaMs: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'reschedule'; readonly pick: number; readonly deltaMs: number }
  | { readonly kind: 'advance'; readonly byMs: number };

const deltaArb = fc.oneof(
  fc.integer({ min: -50, max: 200 }),
  fc.integer({ min: 0, max: 70_000 }),
  fc.integer({ min: 0, max: 64 ** 4 * 3 }),
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('schedule' as const), deltaMs: deltaArb }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reschedule' as const), pick: fc.nat(), deltaMs: deltaArb }),
  fc.record({ kind: fc.constant('advance' as const), byMs: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 64 ** 3 * 2 })) }),
);

t.test('property: any mix of schedule, cancel, reschedule and advance matches the reference model', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.array(commandArb, { maxLength: 120 }), (tickMs, commands) => {
      const wheel = new TimerWheel<number>({ tickMs, startMs: 1_000 });
      const armed = new Map<number, { handle: ReturnType<typeof wheel.schedule>; deadlineMs: number }>();
      let now = 1_000;
      let nextId = 0;
      const dueAt = (deadlineMs: number): number => Math.max(0, Math.ceil(deadlineMs / tickMs) * tickMs);
      const pickArmed = (pick: number): number | undefined => [...armed.keys()][pick % Math.max(1, armed.size)];
      for (const command of [...commands, { kind: 'advance', byMs: 64 ** 5 } as const]) {
        if (command.kind === 'schedule') {
          const deadlineMs = Math.max(0, now + command.deltaMs);
          const id = nextId++;
          armed.set(id, { handle: wheel.schedule(id, deadlineMs), deadlineMs });
        } else if (command.kind === 'cancel') {
          const id = pickArmed(command.pick);
          if (id === undefined) continue;
          if (!wheel.cancel(armed.get(id)!.handle)) return false;
          armed.delete(id);
        } else if (command.kind === 'reschedule') {
          const id = pickArmed(command.pick);
          if (id === undefined) continue;
          const deadlineMs = Math.max(0, now + command.deltaMs);
          wheel.reschedule(armed.get(id)!.handle, deadlineMs);
          armed.get(id)!.deadlineMs = deadlineMs;
        } else {
          now += command.byMs;
          const fired = wheel.advanceTo(now);
          const expected = [...armed.entries()]
            .filter(([, timer]) => dueAt(timer.deadlineMs) <= now)
            .sort(([a, x], [b, y]) => dueAt(x.deadlineMs) - dueAt(y.deadlineMs) || a - b)
            .map(([id]) => id);
          const firedTicks = fired.map((id) => dueAt(armed.get(id)?.deadlineMs ?? -1));
          if (firedTicks.some((tick, i) => i > 0 && tick < firedTicks[i - 1]!)) return false;
          if ([...fired].sort((a, b) => a - b).join() !== [...expected].sort((a, b) => a - b).join()) return false;
          for (const id of fired) armed.delete(id);
        }
        if (wheel.size !== armed.size) return false;
      }
      return armed.size === 0;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random command sequences agreed with the model');
});
