/**
 * The process crash.test.ts kills. It loads everything first, then waits for
 * a `go` line on stdin, so the test can start the next child while it checks
 * the last crash (loading the TypeScript modules is the slow part).
 *
 * On `go` it opens the member log in argv[2] and, with 8 concurrent
 * appenders, writes groups of entries at term argv[3], each with a hard state
 * committing everything before the group. It first rewrites the last
 * (uncommitted) group at the new term, so truncation is under fire too.
 * Every acknowledged group is printed as `ack <first> <last> <term>` the
 * moment its promise resolves; a recovery warning as `warn <json>`. It only
 * stops by itself at MAX_INDEX: the test ends it with SIGKILL.
 */

import { createInterface } from 'node:readline';
import { openLevelLogStore } from '../../actors/log-writer/index.ts';
import type { Entry } from '../../actors/raft/core/types.ts';
import { GROUP_SIZE, crashPayload } from './crash-workload.ts';
import { IDENTITY } from './fixtures.ts';

const APPENDERS = 8;
const MAX_INDEX = 3_000_000;

async function toldToGo(): Promise<boolean> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line === 'go';
  }
  return false;
}

async function appendUntilKilled(dataDir: string, term: number): Promise<void> {
  const store = await openLevelLogStore({
    dataDir,
    ...IDENTITY,
    logger: { warn: (message, fields) => process.stdout.write(`warn ${JSON.stringify({ message, fields })}\n`) },
  });
  let next = store.recover().hardState.commit + 1;
  const appender = async (): Promise<void> => {
    while (next < MAX_INDEX) {
      const first = next;
      next += GROUP_SIZE;
      const group: Entry[] = [];
      for (let index = first; index < first + GROUP_SIZE; index += 1) group.push({ index, term, kind: 'normal', data: crashPayload(index, term) });
      await store.append(group, { term, vote: 1, commit: first - 1 });
      process.stdout.write(`ack ${first} ${first + GROUP_SIZE - 1} ${term}\n`);
    }
  };
  await Promise.all(Array.from({ length: APPENDERS }, appender));
  await store.close();
}

const [dataDir, termArgument] = process.argv.slice(2);
const term = Number(termArgument);
if (dataDir === undefined || !Number.isSafeInteger(term) || term < 1) throw new Error('usage: crash-child.ts <dataDir> <term>');
if (await toldToGo()) await appendUntilKilled(dataDir, term);
