/** Shared by the member tests: one member alone on a temp dir, proposing and reading through its actors. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadResult, WriteResult } from '../../actors/applier/applier-actor.ts';
import type { RangeResponse } from '../../actors/applier/mvcc/index.ts';
import { encodeMemberCommand, type MemberCommand } from '../../actors/member/commands.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { startMember, type Member, type MemberOptions } from '../../actors/member/start-member.ts';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';

export const self: MemberRecord = { id: 1, name: 'one', peerUrls: [], clientUrls: [], isLearner: false };

export async function freshDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-member-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function memberOptions(dataDir: string, overrides: Partial<MemberOptions> = {}): MemberOptions {
  return {
    dataDir,
    memberId: self.id,
    clusterId: 7,
    voters: [self.id],
    heartbeatIntervalMs: 10,
    electionTimeoutMs: 100,
    preVote: true,
    placement: 'one-worker',
    watchProgressIntervalMs: 60_000,
    snapshotCountEntries: 100_000,
    snapshotCatchUpEntries: 5_000,
    initialMembers: [self],
    peer: null,
    ...overrides,
  };
}

export { startMember };

export async function write(member: Member, command: MemberCommand): Promise<WriteResult> {
  const outcome = await member.raft.ask<Outcome<WriteResult>>({ type: 'propose', data: encodeMemberCommand(command) });
  if (!outcome.ok) throw new Error(outcome.refusal.message);
  return outcome.value;
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const decoder = new TextDecoder();

/** Every key's value as text, read serializably from the local applier. */
export async function readAll(member: Member): Promise<{ revision: number; kvs: Record<string, string> }> {
  const outcome = await member.applier.ask<Outcome<ReadResult>>({
    type: 'read',
    read: { type: 'range', request: { key: bytes('\0'), rangeEnd: bytes('\0') } },
    minAppliedIndex: 0,
    replier: null,
  });
  if (!outcome.ok) throw new Error(outcome.refusal.message);
  const response = outcome.value as RangeResponse;
  return { revision: response.revision, kvs: Object.fromEntries(response.kvs.map((kv) => [decoder.decode(kv.key), decoder.decode(kv.value)])) };
}

/**
 * Polls the raft actor until `ready(status)`: snapshots are stored in the
 * background and nothing announces them, so this is a bounded poll.
 */
export async function awaitStatus(member: Member, ready: (status: RaftActorStatus) => boolean, maxAsks = 5_000): Promise<RaftActorStatus> {
  for (let ask = 0; ask < maxAsks; ask++) {
    const status = await member.raft.ask<RaftActorStatus>({ type: 'status' });
    if (ready(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`raft status did not reach the expected state after ${maxAsks} asks`);
}
