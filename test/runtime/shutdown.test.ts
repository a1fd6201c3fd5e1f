/**
 * Shutdown with messages in flight, in a process of its own: every waiting
 * ask is rejected with a typed error, queued messages are counted as
 * discarded, later sends are refused, and the process exits by itself (no
 * open handle left by workers, rings, timers or the control plane).
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runScript } from '../support/run-script.ts';

const script = fileURLToPath(new URL('./fixtures/shutdown-in-flight.ts', import.meta.url));

t.test('shutdown rejects what is in flight explicitly and leaves the process free to exit', async (t) => {
  const { code, signal, stdout, stderr } = await runScript(script);
  t.equal(signal, null, 'the process exited by itself, it was not killed');
  t.equal(code, 0, stderr);
  const outcome = JSON.parse(stdout) as unknown;
  t.same(outcome, {
    report: { rejectedAsks: 11, discardedMessages: 110, undeliveredFrames: 0 },
    outcomes: ['SystemShutdownError'],
    sendAfterShutdown: 'SystemShutdownError',
  });
});
