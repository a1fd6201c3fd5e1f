/**
 * Issue 4, restart: a member alone checkpoints its leases' remaining TTLs
 * through Raft; stopped and started again from its data directory, it arms
 * each lease from the checkpoint, not from the full TTL, both when the
 * checkpoint comes back through the log and when it comes back in a
 * snapshot. And the lease still lives as long as it was promised.
 *
 * Timings: election 500 ms (the promotion slack; minimum TTL 1 s), lease TTL
 * 6 s, checkpoints every 3.5 s: exactly one checkpoint is taken, recording
 * 3 s left (2.5 s, or 3 s when the lease was armed with the promotion slack,
 * rounded up), so the test knows where it lives (the log, or the snapshot
 * taken after it).
 * Restarted with 3 s left, the lease must go about 3.5 s after the restart;
 * without checkpoints it would go 6.5 s after.
 */
import t, { type Test } from 'tap';
import type { WriteResult } from '../../actors/applier/applier-actor.ts';
import { decodeMemberState } from '../../actors/applier/state-snapshot.ts';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import type { TimeToLive } from '../../actors/lease-wheel/index.ts';
import type { LeaseGranted } from '../../actors/lease-wheel/lease-wheel-actor.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { stopMember, type Member } from '../../actors/member/start-member.ts';
import { Watch } from '../../src/embedded/watch.ts';
import { awaitStatus, bytes, freshDir, memberOptions, startMember, write } from '../member/helpers.ts';

const TTL_SECONDS = 6;
const CHECKPOINT_INTERVAL_MS = 3_500;
const ELECTION_TIMEOUT_MS = 500;
/** What the one checkpoint records (see the module comment). */
const CHECKPOINTED_SECONDS = 3;
/** In the snapshot scenario: a snapshot every this many entries, so a few puts after the checkpoint make one. */
const SNAPSHOT_EVERY_ENTRIES = 4;
const POLL_INTERVAL_MS = 50;
const MAX_POLLS = 400;

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(outcome.refusal.message);
  return outcome.value;
}

/** The committed remainder of `leaseId`, read from the replicated state the member would snapshot. */
async function committedRemainder(member: Member, leaseId: number): Promise<number> {
  const state = decodeMemberState(await member.applier.ask<Uint8Array>({ type: 'encode-state' }));
  const leases = new LeaseTable();
  leases.replace(state.leases);
  return leases.remainingTtlSeconds(leaseId);
}

/** Checkpoints are periodic: this polls (bounded) until one is committed. */
async function awaitCheckpoint(member: Member, leaseId: number): Promise<number> {
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const remaining = await committedRemainder(member, leaseId);
    if (remaining > 0) return remaining;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`no checkpoint of lease ${leaseId} was committed`);
}

/** When the delete of `key` (from revision `fromRevision` on) reaches a watcher. */
async function deletedAt(member: Member, key: Uint8Array, fromRevision: number): Promise<number> {
  const watch = await Watch.create(member.watchHub, { key, startRevision: fromRevision });
  try {
    for await (const response of watch) {
      if (response.kind === 'events' && response.events.some((event) => event.type === 'delete')) return performance.now();
    }
  } finally {
    watch.cancel();
  }
  throw new Error('the watch ended before the key was deleted');
}

async function restartScenario(t: Test, carrier: 'log' | 'snapshot'): Promise<void> {
  const snapshotCountEntries = carrier === 'snapshot' ? SNAPSHOT_EVERY_ENTRIES : 100_000;
  const dir = await freshDir(t);
  const options = memberOptions(dir, {
    heartbeatIntervalMs: 50,
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
    leaseCheckpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    snapshotCountEntries,
  });
  const first = await startMember(options);
  let firstStopped = false;
  t.teardown(() => (firstStopped ? undefined : stopMember(first)));
  await awaitStatus(first, (status) => status.role === 'leader');

  const grantAskedAt = performance.now();
  const lease = unwrap(await first.leaseWheel.ask<Outcome<LeaseGranted>>({ type: 'grant', id: 0, ttlSeconds: TTL_SECONDS }));
  const key = bytes('held');
  const put = (await write(first, { type: 'put', key, value: bytes('v'), lease: lease.id })) as Extract<WriteResult, { type: 'put' }>;
  const remaining = await awaitCheckpoint(first, lease.id);
  t.equal(remaining, CHECKPOINTED_SECONDS, 'the one checkpoint records what was left, rounded up');
  if (carrier === 'snapshot') {
    // Only the snapshot carries the checkpoint: the restart replays no entry at or below it.
    for (let i = 0; i < SNAPSHOT_EVERY_ENTRIES; i++) await write(first, { type: 'put', key: bytes(`filler-${i}`), value: bytes('v') });
    const { appliedIndex } = await awaitStatus(first, () => true);
    await awaitStatus(first, (status) => status.storedSnapshotIndex >= appliedIndex);
  }
  await stopMember(first);
  firstStopped = true;

  const second = await startMember(options);
  t.teardown(() => stopMember(second));
  const restartedAt = performance.now();
  const gone = deletedAt(second, key, put.revision + 1);
  const ttl = unwrap(await second.leaseWheel.ask<Outcome<TimeToLive>>({ type: 'time-to-live', id: lease.id, keys: false }));
  t.ok(ttl.ttlSeconds <= remaining, `after the restart the lease reports ${ttl.ttlSeconds} s left, not its full ${TTL_SECONDS} s`);
  t.equal(ttl.grantedTtlSeconds, TTL_SECONDS);

  const goneAt = await gone;
  const afterRestartMs = goneAt - restartedAt;
  // From the checkpoint: ~remaining + election slack; from the full TTL it would be ~TTL + slack.
  const boundMs = ((remaining + TTL_SECONDS) / 2) * 1000 + ELECTION_TIMEOUT_MS;
  t.ok(afterRestartMs < boundMs, `expired ${Math.round(afterRestartMs)} ms after the restart, from the ${remaining} s checkpoint (bound ${boundMs} ms)`);
  t.ok(goneAt - grantAskedAt >= TTL_SECONDS * 1000, `never before the promised ${TTL_SECONDS} s (${Math.round(goneAt - grantAskedAt)} ms after the grant)`);
}

t.test('a restarted member resumes a lease from its checkpoint replayed from the log', (t) => restartScenario(t, 'log'));

t.test('a restarted member resumes a lease from its checkpoint carried by a snapshot', (t) => restartScenario(t, 'snapshot'));
