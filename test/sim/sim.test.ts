import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSimulation } from './cluster/simulation.ts';
import { runSeedBudget } from './seed-budget.ts';

/** The CI budget for 3 members (5 members: sim-five.test.ts); the README gives the measured time. */
const SEEDS = 300;

t.test(`${SEEDS} seeded runs of 3 members under faults: no violation`, (t) => runSeedBudget(t, 3, 1, SEEDS));

t.test('a seed replays exactly: same seed, same trace hash and history', async (t) => {
  const first = runSimulation({ seed: 4242, memberCount: 5 });
  const again = runSimulation({ seed: 4242, memberCount: 5 });
  t.equal(again.traceHash, first.traceHash);
  t.same(again.history, first.history);
  t.same(again.stats, first.stats);
  t.not(runSimulation({ seed: 4243, memberCount: 5 }).traceHash, first.traceHash, 'another seed runs differently');
});

const runScript = fileURLToPath(new URL('./run.ts', import.meta.url));
const runCli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', runScript, ...args], { encoding: 'utf8', timeout: 60_000 });

t.test('the CLI runs a range of seeds and ends with the summary line', async (t) => {
  const ok = runCli('--seeds', '2', '--from', '10', '--nodes', '3');
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stdout.trim().split('\n').at(-1), '2 runs, 0 violations');
  const traced = runCli('--seeds', '1', '--from', '4242', '--nodes', '5', '--trace');
  t.equal(traced.status, 0, traced.stderr);
  t.match(traced.stdout, /fault /, 'the trace shows the faults');
  t.match(traced.stdout, new RegExp(`trace hash ${runSimulation({ seed: 4242, memberCount: 5 }).traceHash}`), 'and replays in another process');
  const bad = runCli('--nodes', '4');
  t.not(bad.status, 0);
  t.match(bad.stderr, /--nodes must be 3 or 5/);
});
