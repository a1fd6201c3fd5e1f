import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { open } from '../../src/index.ts';
import { fastTimings, freshDir, text } from './helpers.ts';

const KILLS = 20;
// Each cycle starts a process with worker threads: allow for a slow, shared machine.
t.setTimeout(480_000);
const writerScript = new URL('./crash-writer.ts', import.meta.url).pathname;

/** A small seeded generator, so a failing run names a seed that replays its kill points. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Runs the writer until it has acknowledged `acksBeforeKill` writes, then SIGKILLs it; returns every ack it printed. */
async function writeThenKill(t: Test, dir: string, cycle: number, acksBeforeKill: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(cycle)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Never leave a writer running if the test itself fails or times out.
  t.teardown(() => child.kill('SIGKILL'));
  const acked: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('ack ')) acked.push(line.slice(4));
    if (acked.length === acksBeforeKill) child.kill('SIGKILL');
  }
  await exited;
  return acked;
}

t.test(`SIGKILL at ${KILLS} random points loses no acknowledged write and half-applies nothing`, async (t) => {
  const seed = Number(process.env['CRASH_SEED'] ?? Date.now() % 1_000_000);
  t.comment(`seed ${seed} (rerun with CRASH_SEED=${seed})`);
  const random = seeded(seed);
  const dir = await freshDir(t);
  const acked: string[] = [];
  for (let cycle = 0; cycle < KILLS; cycle += 1) {
    acked.push(...(await writeThenKill(t, dir, cycle, 1 + Math.floor(random() * 300))));
  }
  const db = await open({ dir, ...fastTimings });
  t.teardown(() => db.close());
  const all = await db.range({ key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0) });
  const values = new Map(all.kvs.map((kv) => [text(kv.key)!, text(kv.value)!]));
  const missing = acked.filter((key) => values.get(`${key}/a`) !== key || values.get(`${key}/b`) !== key);
  t.same(missing, [], `all ${acked.length} acknowledged writes survive`);
  const halves = [...values.keys()].filter((key) => {
    const [write, half] = key.split('/');
    return !values.has(`${write}/${half === 'a' ? 'b' : 'a'}`);
  });
  t.same(halves, [], 'no write is half-applied');
  t.ok(acked.length >= KILLS, 'every cycle acknowledged writes before its kill');
});
