/**
 * A member restarting from a snapshot hands its transport the snapshot's
 * member table at once. Members added at runtime have IDs nobody can derive
 * from flags, and the entries replayed after the snapshot need not hold a
 * membership change that would tell the transport; without this the
 * restarted member could not reach them until the next change.
 */
import t from 'tap';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import { stage, startRaft, until } from './fixtures/raft-actor-stage.ts';

const waitMs = 5_000;
const member = (id: number, port: number): MemberRecord => ({ id, name: `m${id}`, peerUrls: [`http://127.0.0.1:${port}`], clientUrls: [], isLearner: false });

t.test('restart from a snapshot: the transport gets the snapshot member table, runtime-added members included', async (t) => {
  stage.members = [member(1, 12380), member(2, 22380), member(9, 42380)];
  stage.recoveredSnapshot = { meta: { index: 40, term: 3, conf: { voters: [1, 2, 9], learners: [] } }, data: new Uint8Array() };
  await startRaft(t, { hasTransport: true, voters: [1, 2] });
  await until(() => stage.peerLists.length > 0, waitMs, 'a peer list for the transport');
  t.same(
    stage.peerLists[0]!.map((peer) => peer.id).sort(),
    [2, 9],
    'every other member of the snapshot, the one added at runtime (9) too',
  );
});
