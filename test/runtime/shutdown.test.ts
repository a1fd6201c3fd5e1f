/**
 * Shutdown with messages in flight, in a process of its own: every waiting
 * ask is rejected with a typed error, queued messages are counted as
 * discarded, later sends are refused, and the process exits by itself (no
 * open handle left by workers, rings, timers or the control plane).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const script = fileURLToPath(new URL('./fixtures/shutdown-in-flight.ts', import.meta.url));

t.test('shutdown rejects what is in flight explicitly and leaves the process free to exit', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Safety net only: a leaked handle would keep the child alive until this fires.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  t.equal(signal, null, 'the process exited by itself, it was not killed');
  t.equal(code, 0, stderr);
  const outcome = JSON.parse(stdout) as unknown;
  t.same(outcome, {
    report: { rejectedAsks: 11, discardedMessages: 110, undeliveredFrames: 0 },
    outcomes: ['SystemShutdownError'],
    sendAfterShutdown: 'SystemShutdownError',
  });
});
