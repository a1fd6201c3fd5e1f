/** Runs the README's ping-pong example as its own process, so it keeps working and keeps exiting by itself. */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runScript } from '../support/run-script.ts';

const example = fileURLToPath(new URL('../../runtime/examples/ping-pong.ts', import.meta.url));

t.test('the ping-pong example plays across two worker threads and exits by itself', async (t) => {
  const { code, signal, stdout, stderr } = await runScript(example, ['300']);
  t.equal(signal, null, 'not killed');
  t.equal(code, 0, stderr);
  t.match(stdout, /pinger on thread [12], ponger on thread [12]/);
  t.match(stdout, /300 round trips in \d+ ms/);
  const [, pingerThread, pongerThread] = /pinger on thread (\d), ponger on thread (\d)/.exec(stdout) ?? [];
  t.not(pingerThread, pongerThread, 'two different worker threads');
});
