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

/** Creates a lease; the ID is chosen by the proposing leader so every member agrees on it. */
export interface LeaseGrantCommand {
  readonly type: 'lease-grant';
  readonly id: number;
  readonly ttlSeconds: number;
}

/** A member publishes its name and client URLs once it serves (etcd's publish); unknown IDs are ignored. */
export interface MemberAttributesCommand {
  readonly type: 'member-attributes';
  readonly id: NodeId;
  readonly name: string;
  readonly clientUrls: readonly string[];
}

export type MemberCommand = MvccCommand | LeaseGrantCommand | MemberAttributesCommand;

const MEMBER_COMMAND_TYPES: ReadonlySet<string> = new Set<MemberCommand['type']>([
  'put', 'delete-range', 'txn', 'compact', 'lease-revoke', 'lease-grant', 'member-attributes',
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
