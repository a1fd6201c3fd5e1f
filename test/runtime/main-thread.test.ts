/**
 * The 'main-thread' placement, in a process of its own: actors on the host's
 * thread spawn, answer asks, crash and come back through the supervisor,
 * restart on request and stop, with their timers released each time (ctx.onStop);
 * after shutdown the process exits by itself, nothing thrown into it.
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runScript } from '../support/run-script.ts';

const script = fileURLToPath(new URL('./fixtures/main-thread-lifecycle.ts', import.meta.url));

t.test('actors on the main thread: full lifecycle, then the process exits by itself', async (t) => {
  const { code, signal, stdout, stderr } = await runScript(script);
  t.equal(signal, null, 'the process exited by itself, it was not killed');
  t.equal(code, 0, stderr);
  t.same(JSON.parse(stdout) as unknown, {
    workerCount: 0,
    whoami: { name: 'counter', thread: 0 },
    count: 42,
    countAfterRestart: 40,
    staleTicks: [0, 0],
    stopOutcome: { discardedMessages: 0, rejectedAsks: 0 },
    askAfterStop: 'ACTOR_STOPPED',
    failedSpawn: 'ACTOR_FAILED',
    askAfterShutdown: 'SYSTEM_SHUTDOWN',
    report: { rejectedAsks: 0, discardedMessages: 0, undeliveredFrames: 0 },
    stopHookFailures: 0,
  });
});
