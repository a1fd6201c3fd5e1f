/**
 * The record a member writes into its data directory the first time it
 * starts in a cluster: which cluster and member the directory belongs to, and
 * the membership it bootstrapped with. On every later start this record, not
 * the command line, decides the member's identity (etcd ignores
 * --initial-cluster once a data directory exists, for the same reason:
 * membership has moved on since, and only the log knows how).
 *
 * The file carries a SHA-256 of its body, so a damaged record is reported as
 * damaged instead of being taken for another cluster's.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MemberRecord } from './member-info.ts';

export const BOOTSTRAP_FILE = 'conclave-member.json';

export interface BootstrapRecord {
  readonly clusterId: number;
  readonly memberId: number;
  /** The voters the cluster's log starts from (empty for a member that joined later). */
  readonly bootstrapVoters: readonly number[];
  /** The member table before the first entry (empty for a member that joined later). */
  readonly initialMembers: readonly MemberRecord[];
}

export class BootstrapRecordError extends Error {
  override readonly name = 'BootstrapRecordError';
}

const digestOf = (body: string): string => createHash('sha256').update(body).digest('hex');

export async function readBootstrapRecord(dataDir: string): Promise<BootstrapRecord | null> {
  const path = join(dataDir, BOOTSTRAP_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: { body?: unknown; sha256?: unknown };
  try {
    parsed = JSON.parse(text) as { body?: unknown; sha256?: unknown };
  } catch {
    throw new BootstrapRecordError(`${path} is damaged (not JSON); restore it from a backup or remove the member and add it again`);
  }
  if (typeof parsed.body !== 'string' || parsed.sha256 !== digestOf(parsed.body)) {
    throw new BootstrapRecordError(`${path} is damaged (checksum mismatch); restore it from a backup or remove the member and add it again`);
  }
  return JSON.parse(parsed.body) as BootstrapRecord;
}

/** Written to a temporary name and renamed, so a crash leaves the old record or the new one. */
export async function writeBootstrapRecord(dataDir: string, record: BootstrapRecord): Promise<void> {
  const body = JSON.stringify(record);
  const path = join(dataDir, BOOTSTRAP_FILE);
  await writeFile(`${path}.tmp`, JSON.stringify({ body, sha256: digestOf(body) }), { flush: true });
  await rename(`${path}.tmp`, path);
}
