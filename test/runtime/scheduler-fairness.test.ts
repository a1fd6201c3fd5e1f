/**
 * The scheduler yields to the event loop after a turn's budget of messages
 * even when every drain is short and started from a microtask (same-thread
 * ask replies resuming an async receive that asks again): a timer that is
 * due fires within a bounded number of messages instead of never.
 */
import t from 'tap';
import { ActorSystem, type ActorSystemOptions } from '../../runtime/index.ts';
import type { EchoMessage, RaceResult, RacerMessage } from './fixtures/timer-race.ts';
import { fixture } from './helpers.ts';

const TURN_BUDGET_MESSAGES = 64;
/**
 * The microtask drains that spend the budget, then the setImmediate drain
 * (check phase) that spends it again before the next timers phase; one more
 * budget of slack for a ring wake-up turn in between.
 */
const ROUNDS_BOUND = 3 * TURN_BUDGET_MESSAGES;
/** Without the yield the racer would run all of these rounds and the timer would never fire. */
const ROUNDS_MAX = 20_000;

const systems: readonly { readonly label: string; readonly options: ActorSystemOptions }[] = [
  { label: 'on a worker', options: { placement: 'single' } },
  { label: "on the main thread ('main-thread' placement)", options: { placement: 'main-thread' } },
];

for (const { label, options } of systems) {
  t.test(`${label}: a due timer fires during a same-thread ask ping-pong`, async (t) => {
    const system = await ActorSystem.start({ ...options, limits: { turnBudgetMessages: TURN_BUDGET_MESSAGES } });
    t.teardown(() => system.shutdown());
    const module = fixture('timer-race.ts');
    const partner = await system.spawn<EchoMessage>({ name: 'echo', module, export: 'echo' });
    const racer = await system.spawn<RacerMessage>({ name: 'racer', module, export: 'racer' });
    const result = await racer.ask<RaceResult>({ type: 'race-timer', partner, roundsMax: ROUNDS_MAX }, { timeoutMs: 30_000 });
    t.ok(result.timerFired, 'the timer fired');
    t.ok(result.rounds <= ROUNDS_BOUND, `rounds before the timer fired: ${result.rounds} (bound ${ROUNDS_BOUND})`);
  });
}
