/**
 * Shared helpers for the log writer's tests: temporary member directories
 * (removed on teardown), entry builders, a logger that records warnings, and
 * raw access to a member's LevelDB for tests that damage records on purpose.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { ClassicLevel } from 'classic-level';
import type { Entry } from '../../actors/raft/core/types.ts';
import { RAFT_LOG_DIRNAME, type LogStoreLogger } from '../../actors/log-writer/index.ts';

export const IDENTITY = { clusterId: 7, memberId: 1 } as const;

export async function memberDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-log-writer-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A payload that differs per (index, term), so a wrong or stale entry is seen in its bytes. */
export function payload(index: number, term: number, bytes = 16): Uint8Array {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 1) data[i] = (index * 31 + term * 17 + i) & 0xff;
  return data;
}

export function entry(index: number, term: number): Entry {
  return { index, term, kind: 'normal', data: payload(index, term) };
}

/** Entries `from..to` (inclusive), all of `term`. */
export function entries(from: number, to: number, term: number): Entry[] {
  const made: Entry[] = [];
  for (let index = from; index <= to; index += 1) made.push(entry(index, term));
  return made;
}

/** Plain (index, term, kind, bytes) tuples, for comparing entries whatever Uint8Array subclass holds the data. */
export function summarize(list: readonly Entry[]): [number, number, string, string][] {
  return list.map((e) => [e.index, e.term, e.kind, Buffer.from(e.data).toString('hex')]);
}

export interface RecordingLogger extends LogStoreLogger {
  readonly warnings: { message: string; fields: Readonly<Record<string, unknown>> }[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: RecordingLogger['warnings'] = [];
  return { warnings, warn: (message, fields) => warnings.push({ message, fields }) };
}

export function logDbPath(dataDir: string): string {
  return join(dataDir, RAFT_LOG_DIRNAME);
}

/** Runs `change` on the member's LevelDB opened raw (the store must be closed). */
export async function withRawDb(dataDir: string, change: (db: ClassicLevel<Buffer, Buffer>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(logDbPath(dataDir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    await change(db);
  } finally {
    await db.close();
  }
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (error: unknown) => error,
  );
}
