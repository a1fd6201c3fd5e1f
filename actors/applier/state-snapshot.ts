/**
 * The member's whole replicated state as one snapshot: the MVCC store, the
 * lease table, the member table and the applied index. This is the data a
 * Raft snapshot carries (to disk, and to a follower that fell behind the
 * leader's log). Layout:
 *
 *   magic "CMSS" u32 | CRC32 of meta u32 | meta length u32
 *   meta: msgpackr map { format, appliedIndex, leases: LeaseRow[] (lease-table.ts), members: MemberRecord[], alarms: AlarmMember[],
 *         removedMembers: NodeId[] (member-table.ts, oldest removal first) }
 *   the MVCC snapshot (mvcc/snapshot.ts: its own magic, lengths and CRC32)
 *
 * The two checksums together cover every byte, so the MVCC table (hundreds
 * of MB) is checksummed once, not twice.
 *
 * `alarms` and `removedMembers` came later: a meta without one holds no
 * alarms or no removed members, so older snapshots still load.
 *
 * Never: return state from bytes that fail a check; every such case is a
 * SnapshotCorruptError naming what was wrong.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { MemberRecord } from '../member/member-info.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { LeaseRow } from './lease-table.ts';
import type { AlarmMember } from './alarm-table.ts';
import { decodeSnapshot, encodeSnapshotSteps, SnapshotCorruptError, type MvccSnapshotState } from './mvcc/index.ts';

export interface MemberState {
  readonly appliedIndex: number;
  readonly mvcc: MvccSnapshotState;
  readonly leases: readonly LeaseRow[];
  readonly members: readonly MemberRecord[];
  /** Absent: no alarms. */
  readonly alarms?: readonly AlarmMember[];
  /** Member IDs removals removed, oldest first (MemberTable.removed()). Absent: none. */
  readonly removedMembers?: readonly NodeId[];
}

/** Decoded but not yet checked row by row: the lease and member tables check their rows on replace. */
export interface DecodedMemberState {
  readonly appliedIndex: number;
  readonly mvcc: MvccSnapshotState;
  readonly leases: readonly unknown[];
  readonly members: readonly unknown[];
  readonly alarms: readonly unknown[];
  readonly removedMembers: readonly unknown[];
}

const MAGIC = 0x53534d43; // "CMSS" read as a little-endian uint32
const HEADER_BYTES = 12;
const FORMAT = 1;
const packr = new Packr({ useRecords: false });

/** Yields between steps of `recordsPerStep` MVCC records (see encodeSnapshotSteps); returns the bytes. */
export function* encodeMemberStateSteps(state: MemberState, recordsPerStep: number): Generator<void, Uint8Array, void> {
  if (state.appliedIndex !== state.mvcc.appliedIndex) {
    throw new Error(`invariant: member state at index ${state.appliedIndex} holds an MVCC store at index ${state.mvcc.appliedIndex}`);
  }
  const meta = packr.pack({ format: FORMAT, appliedIndex: state.appliedIndex, leases: state.leases, members: state.members, alarms: state.alarms ?? [], removedMembers: state.removedMembers ?? [] });
  const mvcc = yield* encodeSnapshotSteps(state.mvcc, recordsPerStep);
  const out = Buffer.allocUnsafe(HEADER_BYTES + meta.length + mvcc.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(crc32(meta), 4);
  out.writeUInt32LE(meta.length, 8);
  out.set(meta, HEADER_BYTES);
  out.set(mvcc, HEADER_BYTES + meta.length);
  return out;
}

export function encodeMemberState(state: MemberState): Uint8Array {
  const steps = encodeMemberStateSteps(state, Math.max(1, state.mvcc.records.length));
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

export function decodeMemberState(bytes: Uint8Array): DecodedMemberState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES) throw new SnapshotCorruptError('truncated', `member state of ${buf.length} bytes is shorter than its header`);
  if (buf.readUInt32LE(0) !== MAGIC) throw new SnapshotCorruptError('bad-magic', 'not a member state snapshot');
  const metaEnd = HEADER_BYTES + buf.readUInt32LE(8);
  if (metaEnd > buf.length) throw new SnapshotCorruptError('length-mismatch', 'member state meta runs past the end');
  const metaBytes = buf.subarray(HEADER_BYTES, metaEnd);
  if (crc32(metaBytes) !== buf.readUInt32LE(4)) throw new SnapshotCorruptError('checksum-mismatch', 'CRC32 of the member state meta does not match');
  const meta = packr.unpack(metaBytes) as { format?: unknown; appliedIndex?: unknown; leases?: unknown; members?: unknown; alarms?: unknown; removedMembers?: unknown } | null;
  if (typeof meta !== 'object' || meta === null || meta.format !== FORMAT) {
    throw new SnapshotCorruptError('unsupported-format', `member state format ${String(meta?.format)}, expected ${FORMAT}`);
  }
  if (!Number.isSafeInteger(meta.appliedIndex) || !Array.isArray(meta.leases) || !Array.isArray(meta.members)) {
    throw new SnapshotCorruptError('invalid-state', 'member state meta lacks appliedIndex, leases or members');
  }
  const alarms = optionalList(meta.alarms, 'alarms');
  const removedMembers = optionalList(meta.removedMembers, 'removedMembers');
  const mvcc = decodeSnapshot(buf.subarray(metaEnd));
  if (mvcc.appliedIndex !== meta.appliedIndex) {
    throw new SnapshotCorruptError('invalid-state', `member state at index ${String(meta.appliedIndex)} holds an MVCC store at index ${mvcc.appliedIndex}`);
  }
  return { appliedIndex: mvcc.appliedIndex, mvcc, leases: meta.leases as unknown[], members: meta.members as unknown[], alarms, removedMembers };
}

/** A meta field added after the first format: absent is an empty list. */
function optionalList(value: unknown, field: string): unknown[] {
  const list = value ?? [];
  if (!Array.isArray(list)) throw new SnapshotCorruptError('invalid-state', `member state meta has ${field} that are not a list`);
  return list as unknown[];
}
