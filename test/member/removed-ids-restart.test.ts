/**
 * A member the cluster removed stays removed across a snapshot and a
 * restart of its former peer: the removal entry is compacted into a
 * snapshot (so a restart never replays it), yet after the restart the
 * peer still answers the removed member with the removed notice (its link
 * stops for good, as a removed member's does before it exits) and still
 * counts the ID as taken for MemberAdd.
 *
 * One member runtime per process: the removed member is played by a bare
 * peer transport speaking for its ID, which is all it needs to be told.
 */
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import type { Membership } from '../../actors/applier/applier-actor.ts';
import { encodeMemberInfo } from '../../actors/member/member-info.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { stopMember, type Member } from '../../actors/member/start-member.ts';
import type { NodeId } from '../../actors/raft/core/types.ts';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';
import type { TransportStatus } from '../../actors/transport/transport-messages.ts';
import { heartbeat, logMatching, startMember as startBareTransport, waitFor } from '../transport/helpers.ts';
import { awaitStatus, bytes, freshDir, memberOptions, self, startMember, write } from './helpers.ts';

const REMOVED_ID = 0x77;
const SNAPSHOT_COUNT_ENTRIES = 8;
const CATCH_UP_ENTRIES = 2;

async function changeMembership(member: Member, change: { kind: 'add-learner' | 'remove'; node: NodeId; context?: Uint8Array }): Promise<void> {
  const outcome = await member.raft.ask<Outcome<unknown>>({ type: 'conf-change', change }, { timeoutMs: 10_000 });
  if (!outcome.ok) throw new Error(outcome.refusal.message);
}

t.test('a removal older than the last snapshot is still refused as removed after a restart', async (t) => {
  const dir = await freshDir(t);
  const options = memberOptions(dir, {
    peer: { listen: [{ host: '127.0.0.1', port: 0 }], peers: [], tls: null },
    snapshotCountEntries: SNAPSHOT_COUNT_ENTRIES,
    snapshotCatchUpEntries: CATCH_UP_ENTRIES,
  });

  const first = await startMember(options);
  let firstStopped = false;
  t.teardown(() => (firstStopped ? undefined : stopMember(first)));
  const removedUrl = `http://127.0.0.1:${await freePort()}`;
  await changeMembership(first, { kind: 'add-learner', node: REMOVED_ID, context: encodeMemberInfo({ name: '', peerUrls: [removedUrl], clientUrls: [] }) });
  await changeMembership(first, { kind: 'remove', node: REMOVED_ID });
  const removalIndex = (await first.raft.ask<RaftActorStatus>({ type: 'status' })).commitIndex;
  // Enough writes that a snapshot is stored and the log kept below it starts after the removal.
  for (let i = 0; i < 2 * SNAPSHOT_COUNT_ENTRIES + CATCH_UP_ENTRIES; i += 1) await write(first, { type: 'put', key: bytes(`k${i}`), value: bytes('v') });
  const { storedSnapshotIndex } = await awaitStatus(first, (status) => status.storedSnapshotIndex - CATCH_UP_ENTRIES > removalIndex);
  t.ok(storedSnapshotIndex - CATCH_UP_ENTRIES > removalIndex, `snapshot at ${storedSnapshotIndex}: the removal at ${removalIndex} is below the log kept`);
  firstStopped = true;
  await stopMember(first);

  const restarted = await startMember(options);
  t.teardown(() => stopMember(restarted));
  const transport = restarted.transport;
  if (transport === null) throw new Error('the member was started with a peer listener');
  const { members, removedIds } = await restarted.applier.ask<Membership>({ type: 'membership' });
  t.same(members.map((member) => member.id), [self.id], 'the removed member is not a member');
  t.same(removedIds, [REMOVED_ID], 'the member table restored from the snapshot still lists it as removed (MemberAdd takes its taken IDs from here)');

  const port = (await transport.ask<TransportStatus>({ type: 'status' })).listening[0]?.port;
  if (port === undefined) throw new Error('the restarted member reports no peer listener');
  const removedMember = await startBareTransport({ memberId: REMOVED_ID, clusterId: options.clusterId.toString(16), peers: [{ id: self.id, peerUrls: [`http://127.0.0.1:${port}`] }] });
  t.teardown(() => removedMember.transport.close());
  const told = waitFor(removedMember.events, 'link', (peer: number, state: string) => peer === self.id && state === 'removed');
  removedMember.transport.send([heartbeat(REMOVED_ID, self.id)]);
  await told;
  await logMatching(removedMember, /says the cluster removed this member; this link stops/);
  t.pass('the removed member is told it was removed, and its link stops for good');
});
