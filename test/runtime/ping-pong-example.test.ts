/** Runs the README's ping-pong example as its own process, so it keeps working and keeps exiting by itself. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const example = fileURLToPath(new URL('../../runtime/examples/ping-pong.ts', import.meta.url));

t.test('the ping-pong example plays across two worker threads and exits by itself', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', example, '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Safety net only: the example must exit on its own well before this.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  t.equal(signal, null, 'not killed');
  t.equal(code, 0, stderr);
  t.match(stdout, /pinger on thread [12], ponger on thread [12]/);
  t.match(stdout, /300 round trips in \d+ ms/);
  const [, pingerThread, pongerThread] = /pinger on thread (\d), ponger on thread (\d)/.exec(stdout) ?? [];
  t.not(pingerThread, pongerThread, 'two different worker threads');
});
