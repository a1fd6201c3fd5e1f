/**
 * hostRingFramesPerTurn: the host's ring receivers hand over at most that
 * many frames per turn of its event loop, so a burst of replies (each
 * resuming its caller in the same turn) cannot hold the host's loop for long.
 * The replies are piled up in the ring while the host is blocked, then the
 * replies settled in each turn are counted (a setImmediate chain marks turns).
 */
import t from 'tap';
import { ActorSystem, InvalidOptionError } from '../../runtime/index.ts';
import type { CounterMessage } from './fixtures/counter.ts';
import { fixture } from './helpers.ts';

const ASKS = 1_000;
const BLOCK_MS = 500;

/** Holds the calling thread without returning to its event loop (the worker answers meanwhile). */
function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function largestRepliesPerTurn(hostRingFramesPerTurn: number | undefined): Promise<{ largest: number; answered: number }> {
  const system = await ActorSystem.start({ threads: 1, placement: 'single', ...(hostRingFramesPerTurn === undefined ? {} : { hostRingFramesPerTurn }) });
  try {
    const counter = await system.spawn<CounterMessage>({ name: 'counter', module: fixture('counter.ts'), export: 'counter', args: { start: 7 } });
    let turn = 0;
    let counting = true;
    const repliesByTurn = new Map<number, number>();
    const replies = Array.from({ length: ASKS }, () =>
      counter.ask<number>({ type: 'get' }).then((value) => {
        repliesByTurn.set(turn, (repliesByTurn.get(turn) ?? 0) + 1);
        return value;
      }),
    );
    await new Promise<void>((resolve) => setImmediate(resolve)); // the asks are on their way
    blockThread(BLOCK_MS);
    const nextTurn = (): void => {
      turn += 1;
      if (counting) setImmediate(nextTurn);
    };
    setImmediate(nextTurn);
    const values = await Promise.all(replies);
    counting = false;
    return { largest: Math.max(...repliesByTurn.values()), answered: values.filter((value) => value === 7).length };
  } finally {
    await system.shutdown();
  }
}

t.test('the host takes at most hostRingFramesPerTurn replies per turn of its loop (default 32)', async (t) => {
  const byDefault = await largestRepliesPerTurn(undefined);
  t.equal(byDefault.answered, ASKS, 'every ask answered');
  t.ok(byDefault.largest <= 32, `at most 32 replies settled in one turn (largest: ${byDefault.largest})`);
  const eight = await largestRepliesPerTurn(8);
  t.equal(eight.answered, ASKS);
  t.ok(eight.largest <= 8, `at most 8 with hostRingFramesPerTurn 8 (largest: ${eight.largest})`);
});

t.test('bad hostRingFramesPerTurn values fail at start naming the option', async (t) => {
  for (const hostRingFramesPerTurn of [0, -1, 2.5]) {
    await t.rejects(ActorSystem.start({ threads: 1, placement: 'single', hostRingFramesPerTurn }), InvalidOptionError);
    await t.rejects(ActorSystem.start({ threads: 1, placement: 'single', hostRingFramesPerTurn }), { message: /hostRingFramesPerTurn/ });
  }
});
