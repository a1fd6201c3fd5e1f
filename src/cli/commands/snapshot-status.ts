/**
 * `conclave snapshot status <file>`: etcdctl snapshot status for a file
 * `snapshot save` wrote. etcd reports four figures of its bbolt file; these
 * are the same ideas over a Conclave file:
 * - hash: etcd's is a CRC32 (Castagnoli) over every bucket's keys and values;
 *   ours is a CRC32 (IEEE, zlib.crc32) over the file body, the file without
 *   its trailing SHA-256. Two saves of the same state give the same hash;
 * - revision: the store's current revision (etcd: the newest revision key);
 * - total keys: etcd counts every entry of every bucket, so this counts every
 *   row the state holds: MVCC revisions (each version and tombstone), leases,
 *   members, removed members and alarms;
 * - total size: the body's size in bytes (etcd: the db file's).
 * The trailing SHA-256, when there is one, is checked first, and the state's
 * own checksums after: a damaged file is refused, not summarised.
 *
 * Output: a table by default, `-w simple` etcdctl's comma-separated line,
 * `-w json` etcdctl's JSON object ({hash, revision, totalKey, totalSize}).
 */
import { crc32 } from 'node:zlib';
import { parseArgs, UsageError, type CommandIo } from './command-line.ts';
import { humanBytes } from './endpoint.ts';
import { readSavedSnapshot, type SavedSnapshot } from './snapshot-read.ts';
import { renderTable } from './table.ts';

export const snapshotStatusUsage = 'snapshot status <file> [-w table|simple|json]';

export interface SnapshotStatus {
  readonly hash: number;
  readonly revision: number;
  readonly totalKey: number;
  readonly totalSize: number;
}

export function snapshotStatusOf(saved: SavedSnapshot): SnapshotStatus {
  const { state } = saved;
  const rows = state.mvcc.records.length + state.leases.length + state.members.length + state.removedMembers.length + state.alarms.length;
  return { hash: crc32(saved.body), revision: state.mvcc.currentRevision, totalKey: rows, totalSize: saved.body.length };
}

type StatusFormat = 'table' | 'simple' | 'json';

function statusFormat(text: string | undefined): StatusFormat {
  const format = text ?? 'table';
  if (format !== 'table' && format !== 'simple' && format !== 'json') throw new UsageError(`--write-out must be table, simple or json, got ${format}`);
  return format;
}

export async function snapshotStatusCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseArgs(argv, {});
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('snapshot status requires exactly one argument');
  const format = statusFormat(args.values.get('write-out'));
  const saved = await readSavedSnapshot(file, { requireHash: false, skipHashCheck: false, progress: () => null });
  const status = snapshotStatusOf(saved);
  if (format === 'json') return io.out(JSON.stringify(status));
  const cells = [status.hash.toString(16), String(status.revision), String(status.totalKey), humanBytes(status.totalSize)];
  io.out(format === 'simple' ? cells.join(', ') : renderTable(['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'], [cells]));
}
