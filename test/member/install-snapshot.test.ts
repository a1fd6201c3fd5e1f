/**
 * A follower's path for a snapshot from the leader, at the actor level: the
 * applier installs state made by another store (reads, leases, members, and
 * the watch hub's revisions follow), and a snapshot stored by the log writer
 * in place of the log is what a restarted member comes back with.
 */
import t from 'tap';
import { LeaseTable } from '../../actors/applier/lease-table.ts';
import { MvccStore, type ChangeEvent } from '../../actors/applier/mvcc/index.ts';
import { encodeMemberState } from '../../actors/applier/state-snapshot.ts';
import { openLevelLogStore } from '../../actors/log-writer/index.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { stopMember } from '../../actors/member/start-member.ts';
import type { Snapshot } from '../../actors/raft/core/types.ts';
import type { WatchCreated, WatchResponse } from '../../actors/watch-hub/types.ts';
import { bytes, freshDir, memberOptions, readAll, self, startMember, write } from './helpers.ts';

const SNAPSHOT_INDEX = 1000;
const leaderMembers: MemberRecord[] = [
  { ...self, name: 'one', clientUrls: ['http://127.0.0.1:2379'] },
  { id: 2, name: 'two', peerUrls: ['http://127.0.0.1:2480'], clientUrls: [], isLearner: true },
];

/** The leader's state: a, b, compaction at 4, then a and c again (revisions 5 and 6); lease 9 live. */
function leaderSnapshot(): Snapshot {
  const leases = new LeaseTable();
  leases.grant(9, 600);
  const store = new MvccStore(leases);
  let index = 0;
  store.apply(++index, { type: 'put', key: bytes('a'), value: bytes('1') });
  store.apply(++index, { type: 'put', key: bytes('a'), value: bytes('2') });
  store.apply(++index, { type: 'put', key: bytes('b'), value: bytes('1'), lease: 9 });
  store.apply(++index, { type: 'compact', revision: 4 });
  store.apply(++index, { type: 'put', key: bytes('a'), value: bytes('3') });
  store.apply(++index, { type: 'put', key: bytes('c'), value: bytes('1') });
  store.markApplied(SNAPSHOT_INDEX);
  const data = encodeMemberState({ appliedIndex: SNAPSHOT_INDEX, mvcc: store.snapshotState(), leases: leases.entries(), members: leaderMembers });
  return { meta: { index: SNAPSHOT_INDEX, term: 3, conf: { voters: [1], learners: [2] } }, data };
}

const leaderKvs = { a: '3', b: '1', c: '1' };

t.test('the applier installs a snapshot from another store: reads, leases, members, watches', async (t) => {
  const dir = await freshDir(t);
  const member = await startMember(memberOptions(dir));
  t.teardown(() => stopMember(member));
  const session = await member.watchHub.ask<Outcome<number>>({ type: 'open-session' });
  if (!session.ok) throw new Error(session.refusal.message);
  const sessionId = session.value;
  const create = async (startRevision: number) => {
    const created = await member.watchHub.ask<Outcome<WatchCreated>>({ type: 'create', sessionId, request: { key: bytes('a'), rangeEnd: bytes('\0'), startRevision } });
    if (!created.ok) throw new Error(created.refusal.message);
    return created.value;
  };
  const stale = await create(2);

  member.applier.send({ type: 'install-snapshot', snapshot: leaderSnapshot() });
  t.same(await readAll(member), { revision: 6, kvs: leaderKvs });
  t.same(await member.applier.ask<MemberRecord[]>({ type: 'members' }), leaderMembers);
  t.same(await member.applier.ask<Uint8Array[]>({ type: 'lease-keys', id: 9 }), [bytes('b')]);
  t.same(await member.leaseWheel.ask<number[]>({ type: 'leases' }), [9], 'the lease wheel holds the snapshot leases');

  const fresh = await create(5);
  t.equal(fresh.revision, 6, 'the watch hub is at the snapshot revision');
  const responses: WatchResponse[] = [];
  const caughtUp = (): ChangeEvent[] => responses.flatMap((r) => (r.watchId === fresh.watchId && r.kind === 'events' ? r.events : []));
  const staleCanceled = () => responses.find((r) => r.watchId === stale.watchId && r.kind === 'canceled');
  for (let poll = 0; poll < 50 && (staleCanceled() === undefined || caughtUp().length < 2); poll++) {
    responses.push(...(await member.watchHub.ask<WatchResponse[]>({ type: 'poll', sessionId, maxWaitMs: 1_000 })));
  }
  t.match(staleCanceled(), { kind: 'canceled', compactRevision: 4 }, 'a watch below the snapshot compaction is canceled as compacted');
  t.same(caughtUp().map((e) => [Buffer.from(e.kv.key).toString(), e.kv.modRevision]), [['a', 5], ['c', 6]], 'a watch inside the snapshot history catches up from it');
});

t.test('a corrupt snapshot is refused by the applier and changes nothing', async (t) => {
  const dir = await freshDir(t);
  const member = await startMember(memberOptions(dir));
  await write(member, { type: 'put', key: bytes('mine'), value: bytes('kept') });
  const before = await readAll(member);
  const snapshot = leaderSnapshot();
  const data = Buffer.from(snapshot.data);
  data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff;
  const raftFailed = new Promise<string>((resolve) => {
    const stop = member.system.onEvent((event) => {
      if (event.type !== 'actor-failed' || event.actor !== 'raft') return;
      stop();
      resolve(event.error.message);
    });
  });
  member.applier.send({ type: 'install-snapshot', snapshot: { ...snapshot, data } });
  t.match(await raftFailed, /refused the snapshot at index 1000: mvcc snapshot is corrupt \(checksum-mismatch\)/, 'Raft stops with the reason');
  t.same(await readAll(member), before, 'the applier still serves its old state');
  await member.system.shutdown(); // Raft is stopped: stopMember would ask it to step down
});

t.test('a snapshot stored in place of the log is what a restarted member serves', async (t) => {
  const dir = await freshDir(t);
  const store = await openLevelLogStore({ dataDir: dir, clusterId: 7, memberId: self.id });
  await store.saveSnapshot(leaderSnapshot());
  await store.append([], { term: 3, vote: 0, commit: SNAPSHOT_INDEX });
  await store.close();

  const member = await startMember(memberOptions(dir));
  t.teardown(() => stopMember(member));
  t.same(await readAll(member), { revision: 6, kvs: leaderKvs });
  t.same(await member.applier.ask<MemberRecord[]>({ type: 'members' }), leaderMembers, 'members come from the snapshot, not the bootstrap list');
});
