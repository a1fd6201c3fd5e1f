import t from 'tap';
import { spawnSync } from 'node:child_process';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const conclave = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });

t.test('`conclave bench` runs the load generator: its usage, and its refusal of a bad workload', async (t) => {
  const help = conclave('bench', '--help');
  t.equal(help.status, 0);
  t.match(help.stdout + help.stderr, /workloads: put, range, txn-put, watch, lease, mixed/);
  const bad = conclave('bench', '--workload', 'nope');
  t.equal(bad.status, 2);
  t.match(bad.stderr, /nope/);
});
