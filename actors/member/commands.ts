/**
 * What a member writes into a normal Raft entry: an MVCC command for the
 * store, a lease grant for the lease table, or a member's published
 * attributes for the member table. This is the one codec for those bytes.
 * Every member decodes and applies the same bytes to the same result, so
 * nothing member-local (clocks, caller handles) may appear here.
 * (Membership changes travel in 'conf-change' entries: see member-info.ts.)
 */
import { Packr } from 'msgpackr';
import { type MvccCommand } from '../applier/mvcc/index.ts';
import type { NodeId } from '../raft/core/types.ts';
import type { AlarmType } from '../applier/alarm-table.ts';

/** Creates a lease; the ID is chosen by the proposing leader so every member agrees on it. */
export interface LeaseGrantCommand {
  readonly type: 'lease-grant';
  readonly id: number;
  readonly ttlSeconds: number;
}

/**
 * Remaining TTLs measured by the leader (0 clears a lease's checkpoint): a
 * new leader or a restarted member arms each lease from these instead of its
 * full TTL. IDs that are gone by the time it applies are skipped.
 */
export interface LeaseCheckpointCommand {
  readonly type: 'lease-checkpoint';
  readonly checkpoints: ReadonlyArray<{ readonly id: number; readonly remainingTtlSeconds: number }>;
}

/** A member publishes its name and client URLs once it serves (etcd's publish); unknown IDs are ignored. */
export interface MemberAttributesCommand {
  readonly type: 'member-attributes';
  readonly id: NodeId;
  readonly name: string;
  readonly clientUrls: readonly string[];
}

/**
 * etcd's AlarmRequest: list, raise or disarm an alarm. It goes through Raft
 * even to list (as etcd does), so the answer is the alarms as of a committed
 * point of the log. `alarm` 'NONE' means every alarm type.
 */
export interface AlarmCommand {
  readonly type: 'alarm';
  readonly action: 'get' | 'activate' | 'deactivate';
  readonly memberId: NodeId;
  readonly alarm: AlarmType | 'NONE';
}

export type MemberCommand = MvccCommand | LeaseGrantCommand | MemberAttributesCommand | AlarmCommand | LeaseCheckpointCommand;

const MEMBER_COMMAND_TYPES: ReadonlySet<string> = new Set<MemberCommand['type']>([
  'put', 'delete-range', 'txn', 'compact', 'lease-revoke', 'lease-grant', 'member-attributes', 'alarm', 'lease-checkpoint',
]);

// Plain msgpack maps (no record extension): entries stay readable by any decoder.
const packr = new Packr({ useRecords: false });

export function encodeMemberCommand(command: MemberCommand): Uint8Array {
  return packr.pack(command);
}

/** Throws TypeError for bytes that are not a member command (a corrupt or foreign entry). */
export function decodeMemberCommand(bytes: Uint8Array): MemberCommand {
  const value: unknown = packr.unpack(bytes);
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !MEMBER_COMMAND_TYPES.has(type)) {
    throw new TypeError(`raft entry is not a member command (type ${String(type)})`);
  }
  return value as MemberCommand;
}
