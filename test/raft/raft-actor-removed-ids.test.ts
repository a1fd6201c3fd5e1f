/**
 * A raft actor restarting from a snapshot hands its transport the removed
 * member IDs the snapshot's member table kept: the entries removing them lie
 * below the snapshot and are never replayed, yet those members must still be
 * refused as removed. The same holds for a snapshot a leader sends. If the
 * table lists this member itself as removed, it knows at start that it was
 * removed. A raft actor restarted alone (its applier ahead of index 0) reads
 * the table back too.
 */
import t from 'tap';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';
import { stage, startRaft, until } from './fixtures/raft-actor-stage.ts';

/** A safety net only: every wait below ends on an event. */
const waitMs = 5_000;
const member = (id: number, port: number): MemberRecord => ({ id, name: `m${id}`, peerUrls: [`http://127.0.0.1:${port}`], clientUrls: [], isLearner: false });
const snapshotAt40 = { meta: { index: 40, term: 3, conf: { voters: [1, 2], learners: [] } }, data: new Uint8Array() };

t.afterEach(() => {
  stage.removedIds = [];
  stage.recoveredEntries = [];
  stage.appliedBeforeStart = 0;
});

t.test('restart from a snapshot: the transport gets the removed IDs the snapshot kept', async (t) => {
  stage.members = [member(1, 12380), member(2, 22380)];
  stage.removedIds = [7, 5];
  stage.recoveredSnapshot = snapshotAt40;
  const raft = await startRaft(t, { hasTransport: true, voters: [1, 2] });
  await until(() => stage.removedLists.length > 0, waitMs, 'a removed list for the transport');
  t.same(stage.removedLists[0], [7, 5], 'both, oldest first');
  t.equal((await raft.ask<RaftActorStatus>({ type: 'status' })).removed, false, 'this member was not removed');
});

t.test('restart from a snapshot whose table lists this member as removed: it knows it was removed', async (t) => {
  stage.members = [member(2, 22380)];
  stage.removedIds = [1, 5];
  stage.recoveredSnapshot = { meta: { index: 40, term: 3, conf: { voters: [2], learners: [] } }, data: new Uint8Array() };
  const raft = await startRaft(t, { hasTransport: true, voters: [1, 2] });
  const answer = await raft.ask<boolean>({ type: 'await-removal', maxWaitMs: 60_000 }, { timeoutMs: waitMs });
  t.equal(answer, true, 'the host waiting for removal hears it');
  await until(() => stage.removedLists.length > 0, waitMs, 'a removed list for the transport');
  t.same(stage.removedLists[0], [5], 'the transport refuses the others, not this member itself');
});

t.test('a snapshot from the leader: the transport gets the removed IDs its member table kept', async (t) => {
  stage.members = [member(1, 12380), member(2, 22380)];
  stage.recoveredSnapshot = null;
  const raft = await startRaft(t, { hasTransport: true, voters: [1, 2] });
  t.same(stage.removedLists, [], 'a fresh member has nothing to refuse yet');
  stage.removedIds = [9];
  const snapshot = { meta: { index: 40, term: 3, conf: { voters: [1, 2], learners: [] } }, data: new Uint8Array() };
  raft.send({ type: 'peer-batch', messages: [{ type: 'snapshot', from: 2, to: 1, term: 3, snapshot }] });
  await until(() => stage.removedLists.length > 0, waitMs, 'a removed list for the transport');
  t.same(stage.removedLists[0], [9]);
});

t.test('a raft actor restarted while its applier holds entries re-reads the member table (no snapshot needed)', async (t) => {
  // A restart of the raft actor alone: the entries up to the applier's index are not handed over
  // again, so the membership changes among them (removals too) must be read back from the table.
  stage.members = [member(1, 12380), member(2, 22380)];
  stage.removedIds = [9];
  stage.recoveredSnapshot = null;
  stage.recoveredEntries = [1, 2, 3].map((index) => ({ term: 1, index, kind: 'normal' as const, data: new Uint8Array() }));
  stage.appliedBeforeStart = 3;
  await startRaft(t, { hasTransport: true, voters: [1, 2] });
  await until(() => stage.removedLists.length > 0, waitMs, 'a removed list for the transport');
  t.same(stage.removedLists[0], [9]);
  t.same(stage.peerLists[0], [{ id: 2, peerUrls: ['http://127.0.0.1:22380'] }], 'and the peers to reach');
});
