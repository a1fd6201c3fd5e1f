/** Shared set-up for embedded-API tests: a fresh data dir and fast Raft timings. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type OpenOptions } from '../../src/index.ts';

/** Timings short enough for tests; the minimum lease TTL stays 1 s. */
export const fastTimings = { heartbeatIntervalMs: 10, electionTimeoutMs: 100 } as const;

export async function freshDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-embedded-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function openFresh(t: { teardown(fn: () => unknown): void }, options: Partial<OpenOptions> = {}) {
  const dir = await freshDir(t);
  const db = await open({ dir, ...fastTimings, ...options });
  t.teardown(() => db.close());
  return { db, dir };
}

const decoder = new TextDecoder();
export const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : decoder.decode(bytes));
