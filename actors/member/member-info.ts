/**
 * What the cluster knows about one member besides its Raft ID: the name and
 * URLs etcd's MemberList reports. A conf-change entry carries a MemberInfo in
 * its context (the core treats those bytes as opaque), so every member that
 * applies the entry learns the same record.
 *
 * Never: put anything member-local here; these bytes are replicated.
 */
import { Packr } from 'msgpackr';
import type { NodeId } from '../raft/core/types.ts';

export interface MemberInfo {
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
}

/** One row of the replicated member table, as MemberList reports it. */
export interface MemberRecord extends MemberInfo {
  readonly id: NodeId;
  readonly isLearner: boolean;
}

// Plain msgpack maps (no record extension): the bytes stay readable by any decoder.
const packr = new Packr({ useRecords: false });

export function encodeMemberInfo(info: MemberInfo): Uint8Array {
  return packr.pack({ name: info.name, peerUrls: [...info.peerUrls], clientUrls: [...info.clientUrls] });
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Throws TypeError for bytes that are not a MemberInfo (a corrupt or foreign context). */
export function decodeMemberInfo(bytes: Uint8Array): MemberInfo {
  const value = packr.unpack(bytes) as Partial<Record<keyof MemberInfo, unknown>> | null;
  if (typeof value !== 'object' || value === null || typeof value.name !== 'string' || !isStringArray(value.peerUrls) || !isStringArray(value.clientUrls)) {
    throw new TypeError('conf-change context is not a member info { name, peerUrls, clientUrls }');
  }
  return { name: value.name, peerUrls: value.peerUrls, clientUrls: value.clientUrls };
}

/** Throws TypeError unless `value` is a well-formed MemberRecord (used on snapshot restore). */
export function checkMemberRecord(value: unknown): MemberRecord {
  const record = value as Partial<Record<keyof MemberRecord, unknown>> | null;
  if (
    typeof record !== 'object' || record === null ||
    typeof record.id !== 'number' || !Number.isSafeInteger(record.id) || record.id <= 0 ||
    typeof record.name !== 'string' || !isStringArray(record.peerUrls) || !isStringArray(record.clientUrls) ||
    typeof record.isLearner !== 'boolean'
  ) {
    throw new TypeError('not a member record { id, name, peerUrls, clientUrls, isLearner }');
  }
  return { id: record.id, name: record.name, peerUrls: record.peerUrls, clientUrls: record.clientUrls, isLearner: record.isLearner };
}
