/**
 * The record written once, when a member's log is created: format version,
 * cluster ID, member ID. Checking it on every open stops a member from
 * starting on another member's (or another cluster's) log, which would
 * silently break Raft's safety, and stops an older Conclave from misreading
 * a format it does not know.
 *
 * The body is a map, not a positional array like the other records, so a
 * future format can add fields and still be told apart by `format` alone.
 */

import { LogCorruptionError, LogFormatTooNewError, LogIdentityMismatchError, type MemberIdentity } from './errors.ts';
import { encodeRecord, type StoredRecord } from './record-codec.ts';
import { IDENTITY_KEY } from './record-keys.ts';

/** Bump when any key or record layout changes; older Conclaves then refuse the directory. */
export const LOG_FORMAT_VERSION = 1;

export interface StoredIdentity extends MemberIdentity {
  readonly format: number;
}

/** Options check, before anything touches the disk. */
export function assertValidIdentity(identity: MemberIdentity): void {
  for (const field of ['clusterId', 'memberId'] as const) {
    const value = identity[field];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${field} must be a positive safe integer (the ID the cluster assigned), got ${String(value)}`);
    }
  }
}

export function encodeIdentity(identity: MemberIdentity, format: number = LOG_FORMAT_VERSION): StoredRecord {
  return encodeRecord(IDENTITY_KEY, { format, clusterId: identity.clusterId, memberId: identity.memberId });
}

/** Throws the typed error that says why `body` (a decoded identity record) is not `expected`'s. */
export function checkStoredIdentity(dataDir: string, body: unknown, expected: MemberIdentity): void {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { format, clusterId, memberId } = fields;
  if (!isPositiveInteger(format)) {
    throw new LogCorruptionError({ dataDir, recordKind: 'identity', index: null, reason: `format version ${String(format)} is not a positive integer` });
  }
  if (format > LOG_FORMAT_VERSION) {
    throw new LogFormatTooNewError({ dataDir, foundVersion: format, supportedVersion: LOG_FORMAT_VERSION });
  }
  if (!isPositiveInteger(clusterId) || !isPositiveInteger(memberId)) {
    throw new LogCorruptionError({ dataDir, recordKind: 'identity', index: null, reason: 'cluster or member ID is not a positive integer' });
  }
  if (clusterId !== expected.clusterId || memberId !== expected.memberId) {
    throw new LogIdentityMismatchError({ dataDir, expected: { clusterId: expected.clusterId, memberId: expected.memberId }, found: { clusterId, memberId } });
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
