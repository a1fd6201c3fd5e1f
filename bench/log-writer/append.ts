/**
 * Durable append throughput and latency of the Raft log store, side by side
 * with the naive way (each append its own `sync: true` LevelDB batch), with
 * 1, 16 and 256 concurrent appenders of 256-byte entries.
 *
 * One JavaScript thread drives everything; LevelDB's writes run on libuv's
 * thread pool (4 threads by default). Every write call is a `sync: true`
 * batch. For the store a write call is one group-commit batch and one fsync;
 * for the naive variant LevelDB itself may merge up to 4 concurrent calls
 * (one per pool thread) into one fsync, so its "write calls/s" is an upper
 * bound on its fsyncs.
 *
 *   node --import tsx bench/log-writer/append.ts [--seconds 4]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openLevelLogStore } from '../../actors/log-writer/index.ts';
import { logDbLocation, openLogDb } from '../../actors/log-writer/log-db.ts';
import { encodeEntry } from '../../actors/log-writer/record-codec.ts';
import type { Entry } from '../../actors/raft/core/types.ts';

const ENTRY_BYTES = 256;
const CONCURRENCIES = [1, 16, 256] as const;
const MAX_SECONDS = 60;
/** Each cell's time is split into short rounds that alternate the variants, so a noisy neighbour hits both alike. */
const ROUNDS = 64;

interface Variant {
  readonly name: string;
  /** Opens a fresh log in `dataDir`: its durable append, its count of LevelDB write calls so far, and close. */
  open(dataDir: string): Promise<{ append(entry: Entry): Promise<unknown>; writeCalls(): number; close(): Promise<void> }>;
}

const groupCommit: Variant = {
  name: 'group commit (LevelLogStore)',
  async open(dataDir) {
    const store = await openLevelLogStore({ dataDir, clusterId: 1, memberId: 1 });
    return {
      append: (entry) => store.append([entry]),
      writeCalls: () => store.stats.batches,
      close: () => store.close(),
    };
  },
};

const syncPerAppend: Variant = {
  name: 'one sync batch per append (raw classic-level)',
  async open(dataDir) {
    const db = await openLogDb(logDbLocation(dataDir));
    let writeCalls = 0;
    return {
      append: async (entry) => {
        const record = encodeEntry(entry);
        await db.batch([{ type: 'put', key: record.key, value: record.value }], { sync: true });
        writeCalls += 1;
      },
      writeCalls: () => writeCalls,
      close: () => db.close(),
    };
  },
};

const VARIANTS: readonly Variant[] = [groupCommit, syncPerAppend];

interface Cell {
  appends: number;
  seconds: number;
  writeCalls: number;
  readonly latenciesMs: number[];
}

function emptyCell(): Cell {
  return { appends: 0, seconds: 0, writeCalls: 0, latenciesMs: [] };
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

type OpenLog = Awaited<ReturnType<Variant['open']>>;

/** Runs `concurrency` appenders on `log` for `seconds`, continuing at `cell.appends + 1`, adding the figures to `cell`. */
async function measureInto(cell: Cell, log: OpenLog, concurrency: number, seconds: number): Promise<void> {
  const data = new Uint8Array(ENTRY_BYTES).fill(0xab);
  let nextIndex = cell.appends + 1;
  const writeCallsBefore = log.writeCalls();
  const deadline = performance.now() + seconds * 1000;
  const appender = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await log.append({ index: nextIndex++, term: 1, kind: 'normal', data });
      cell.latenciesMs.push(performance.now() - started);
      cell.appends += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, appender));
  cell.seconds += (performance.now() - started) / 1000;
  cell.writeCalls += log.writeCalls() - writeCallsBefore;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' } } });
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) throw new Error(`--seconds must be in (0, ${MAX_SECONDS}], got ${values.seconds}`);

  console.log(`# log-writer append benchmark: node --import tsx bench/log-writer/append.ts --seconds ${seconds}`);
  console.log(`# ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
  console.log(`# ${ENTRY_BYTES}-byte entries; 1 JS thread, LevelDB I/O on the libuv pool; every write call is a sync: true batch`);
  console.log('');
  console.log(`# each row: ${seconds} s per variant, in ${ROUNDS} rounds alternating between the two logs (both open throughout)`);
  console.log('');
  console.log('| appenders | variant | appends/s | p50 ms | p99 ms | write calls/s | appends per write call |');
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  const throughput = new Map<string, number>();
  for (const concurrency of CONCURRENCIES) {
    const rows = [];
    for (const variant of VARIANTS) {
      const dataDir = await mkdtemp(join(tmpdir(), 'conclave-bench-log-'));
      rows.push({ variant, dataDir, cell: emptyCell(), log: await variant.open(dataDir) });
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const { cell, log } of rows) await measureInto(cell, log, concurrency, seconds / ROUNDS);
    }
    for (const { log, dataDir } of rows) {
      await log.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    for (const { variant, cell } of rows) {
      const sorted = Float64Array.from(cell.latenciesMs).sort();
      const appendsPerSecond = cell.appends / cell.seconds;
      throughput.set(`${concurrency}/${variant.name}`, appendsPerSecond);
      console.log(
        `| ${concurrency} | ${variant.name} | ${appendsPerSecond.toFixed(0)} | ${percentile(sorted, 0.5).toFixed(2)} | ${percentile(sorted, 0.99).toFixed(2)} | ` +
          `${(cell.writeCalls / cell.seconds).toFixed(0)} | ${(cell.appends / cell.writeCalls).toFixed(1)} |`,
      );
    }
  }
  console.log('');
  for (const concurrency of CONCURRENCIES) {
    const ratio = (throughput.get(`${concurrency}/${groupCommit.name}`) ?? 0) / (throughput.get(`${concurrency}/${syncPerAppend.name}`) ?? 1);
    console.log(`- ${concurrency} appenders: group commit is ${ratio.toFixed(2)}x the appends/s of one sync batch per append`);
  }
}

await main();
