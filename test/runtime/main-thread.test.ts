/**
 * The 'main-thread' placement, in a process of its own: actors on the host's
 * thread spawn, answer asks, crash and come back through the supervisor,
 * restart on request and stop, with their timers released each time (ctx.onStop);
 * after shutdown the process exits by itself, nothing thrown into it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const script = fileURLToPath(new URL('./fixtures/main-thread-lifecycle.ts', import.meta.url));

t.test('actors on the main thread: full lifecycle, then the process exits by itself', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Safety net only: a timer left running would keep the child alive until this fires.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
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
