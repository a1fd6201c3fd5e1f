/**
 * Crash safety under load: a child process appends as fast as it can and is
 * killed with SIGKILL at random points (after a random number of
 * acknowledgements, with writes in flight). After every kill the log must
 * reopen with every acknowledged entry present and intact, and nothing
 * half-applied: whole groups only, and a hard state from the same batch as
 * the last group. Rerun a failure with CRASH_SEED=<seed>.
 *
 * The next children are spawned while the current one runs and wait on
 * stdin for `go`: loading their TypeScript takes longer than a run, so this
 * keeps the whole test to seconds.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import t from 'tap';
import { openLevelLogStore } from '../../actors/log-writer/index.ts';
import { GROUP_SIZE, crashPayload } from './crash-workload.ts';
import { IDENTITY, memberDir, recordingLogger } from './fixtures.ts';

const KILLS = 20;
const MAX_ACKS_BEFORE_KILL = 120;
const CHILD_TIMEOUT_MS = 20_000;
/** Children loading ahead of their turn; loading outlasts a run, so one is not enough to hide it. */
const STANDBY_CHILDREN = 2;
const childFile = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** mulberry32: a tiny seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface ChildRun {
  readonly acks: number;
  readonly warnings: string[];
  readonly killedByUs: boolean;
  readonly stderr: string;
}

/** A child that has been spawned (and is loading its modules) but not yet told to go. */
interface StandbyChild {
  /** Tells it to go; resolves once it has acknowledged `killAfterAcks` groups and been SIGKILLed (or ended). */
  run(killAfterAcks: number, acked: Map<number, number>): Promise<ChildRun>;
  /** Ends a child that will not be run (test teardown). */
  discard(): void;
}

function spawnStandby(dataDir: string, term: number): StandbyChild {
  const child = spawn(process.execPath, ['--import', 'tsx', childFile, dataDir, String(term)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = once(child, 'close');
  return {
    discard: () => void child.kill('SIGKILL'),
    run: async (killAfterAcks, acked) => {
      let acks = 0;
      let killedByUs = false;
      const warnings: string[] = [];
      const kill = (): void => {
        killedByUs = child.kill('SIGKILL') || killedByUs;
      };
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [kind, first, last, ackTerm] = line.split(' ');
        if (kind === 'warn') warnings.push(line);
        if (kind !== 'ack') return;
        for (let index = Number(first); index <= Number(last); index += 1) acked.set(index, Number(ackTerm));
        acks += 1;
        if (acks === killAfterAcks) kill();
      });
      const safetyNet = setTimeout(kill, CHILD_TIMEOUT_MS);
      child.stdin.end('go\n');
      await closed;
      clearTimeout(safetyNet);
      return { acks, warnings, killedByUs: killedByUs && acks >= killAfterAcks, stderr };
    },
  };
}

/** Every way the reopened log could break the contract, as readable lines (empty when sound). */
async function problemsAfterCrash(dataDir: string, acked: ReadonlyMap<number, number>): Promise<string[]> {
  const logger = recordingLogger();
  const store = await openLevelLogStore({ dataDir, ...IDENTITY, logger });
  const { entries, hardState } = store.recover();
  await store.close();
  const problems: string[] = logger.warnings.map((warning) => `recovery warned: ${warning.message}`);
  const lastIndex = entries.at(-1)?.index ?? 0;
  if (lastIndex % GROUP_SIZE !== 0) problems.push(`last index ${lastIndex} ends inside a group: a write was half-applied`);
  if (hardState.commit !== Math.max(0, lastIndex - GROUP_SIZE)) problems.push(`commit ${hardState.commit} is not from the batch that wrote up to ${lastIndex}`);
  if (entries.length > 0 && hardState.term !== entries.at(-1)?.term) problems.push(`hard state term ${hardState.term} differs from the last entry's`);
  for (const entry of entries) {
    if (!Buffer.from(entry.data).equals(Buffer.from(crashPayload(entry.index, entry.term)))) problems.push(`entry ${entry.index} has the wrong bytes`);
  }
  for (const [index, term] of acked) {
    const stored = entries[index - 1];
    if (stored === undefined) problems.push(`acknowledged entry ${index} (term ${term}) is missing; the log ends at ${lastIndex}`);
    else if (stored.term < term) problems.push(`acknowledged entry ${index} went back from term ${term} to ${stored.term}`);
  }
  return problems;
}

t.test(`every acknowledged append survives ${KILLS} SIGKILLs under load`, async (t) => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
  t.comment(`CRASH_SEED=${seed}`);
  const random = seededRandom(seed);
  const dataDir = await memberDir(t);
  const acked = new Map<number, number>();
  let kills = 0;
  const standby: StandbyChild[] = [];
  let nextSpawnTerm = 1;
  const topUp = (): void => {
    while (standby.length < STANDBY_CHILDREN && nextSpawnTerm <= KILLS) standby.push(spawnStandby(dataDir, nextSpawnTerm++));
  };
  t.teardown(() => standby.forEach((child) => child.discard()));
  for (let term = 1; term <= KILLS; term += 1) {
    topUp();
    const current = standby.shift();
    if (current === undefined) throw new Error(`no child spawned for term ${term}`);
    topUp();
    const killAfterAcks = 1 + Math.floor(random() * MAX_ACKS_BEFORE_KILL);
    const run = await current.run(killAfterAcks, acked);
    if (!run.killedByUs) {
      t.fail(`child at term ${term} ended on its own after ${run.acks} acks`, { stderr: run.stderr });
      return;
    }
    kills += 1;
    t.same(run.warnings, [], `run ${term}: the child's recovery found nothing to cut`);
    t.same(await problemsAfterCrash(dataDir, acked), [], `kill ${term} after ${killAfterAcks} acks (${acked.size} entries acknowledged so far): log intact`);
  }
  t.equal(kills, KILLS);
});
