/**
 * Snapshots of one member, end to end: every snapshotCountEntries applied
 * entries the state is snapshotted, stored, and the stored log trimmed
 * behind it; a restart restores the snapshot then applies the entries after
 * it; a corrupt snapshot on disk stops the member with a clear error.
 */
import t from 'tap';
import { ClassicLevel } from 'classic-level';
import { logDbLocation } from '../../actors/log-writer/log-db.ts';
import { openLevelLogStore } from '../../actors/log-writer/index.ts';
import { SNAPSHOT_DATA_KEY } from '../../actors/log-writer/record-keys.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import { stopMember } from '../../actors/member/start-member.ts';
import { awaitStatus, bytes, freshDir, memberOptions, readAll, self, startMember, write } from './helpers.ts';

const snapshotCountEntries = 20;
const snapshotCatchUpEntries = 5;

async function busyMember(t: Parameters<typeof freshDir>[0]) {
  const dir = await freshDir(t);
  const member = await startMember(memberOptions(dir, { snapshotCountEntries, snapshotCatchUpEntries }));
  await write(member, { type: 'member-attributes', id: self.id, name: 'renamed', clientUrls: ['http://127.0.0.1:2379'] });
  await write(member, { type: 'lease-grant', id: 77, ttlSeconds: 600 });
  for (let i = 0; i < 45; i++) await write(member, { type: 'put', key: bytes(`key-${i}`), value: bytes(`value-${i}`), lease: i === 0 ? 77 : 0 });
  return { dir, member };
}

t.test('a snapshot every snapshotCountEntries entries; the stored log is trimmed behind it', async (t) => {
  const { dir, member } = await busyMember(t);
  const status = await awaitStatus(member, (s) => s.storedSnapshotIndex >= 40);
  t.ok(status.storedSnapshotIndex <= status.appliedIndex, `stored snapshot at ${status.storedSnapshotIndex}, applied ${status.appliedIndex}`);
  await stopMember(member);

  const store = await openLevelLogStore({ dataDir: dir, clusterId: 7, memberId: self.id });
  const recovered = store.recover();
  await store.close();
  const snapshotIndex = recovered.snapshot?.meta.index ?? 0;
  t.ok(snapshotIndex >= 40, `snapshot stored at index ${snapshotIndex}`);
  t.equal(recovered.entries[0]?.index, snapshotIndex - snapshotCatchUpEntries + 1, 'entries below index - catch-up entries are gone from disk');
});

t.test('restart restores the snapshot, then applies the entries after it', async (t) => {
  const { dir, member } = await busyMember(t);
  await awaitStatus(member, (s) => s.storedSnapshotIndex >= 40);
  for (let i = 45; i < 48; i++) await write(member, { type: 'put', key: bytes(`key-${i}`), value: bytes(`value-${i}`) });
  const before = await readAll(member);
  const membersBefore = await member.applier.ask<MemberRecord[]>({ type: 'members' });
  await stopMember(member);

  const restarted = await startMember(memberOptions(dir, { snapshotCountEntries, snapshotCatchUpEntries, initialMembers: [self] }));
  t.teardown(() => stopMember(restarted));
  const after = await readAll(restarted);
  t.same(after, before, 'every key and the revision survive');
  t.equal(Object.keys(after.kvs).length, 48);
  t.same(await restarted.applier.ask<MemberRecord[]>({ type: 'members' }), membersBefore, 'the member table came back from the snapshot');
  t.equal(membersBefore[0]?.name, 'renamed');
  t.same(await restarted.applier.ask<Uint8Array[]>({ type: 'lease-keys', id: 77 }), [bytes('key-0')], 'the lease and its key came back');
  t.same(await restarted.leaseWheel.ask<number[]>({ type: 'leases' }), [77], 'the lease wheel learned the snapshot lease');
  await awaitStatus(restarted, (s) => s.role === 'leader');
  const put = await write(restarted, { type: 'put', key: bytes('later'), value: bytes('v') });
  t.equal(put.type === 'put' ? put.revision : 0, before.revision + 1, 'revisions continue from the snapshot');
});

t.test('a corrupt snapshot on disk is refused with a clear error, never applied', async (t) => {
  const { dir, member } = await busyMember(t);
  await awaitStatus(member, (s) => s.storedSnapshotIndex >= 40);
  await stopMember(member);

  const db = new ClassicLevel<Buffer, Buffer>(logDbLocation(dir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const value = await db.get(SNAPSHOT_DATA_KEY);
  if (value === undefined) throw new Error('no snapshot data record');
  value[value.length - 10] = (value[value.length - 10] ?? 0) ^ 0xff;
  await db.put(SNAPSHOT_DATA_KEY, value);
  await db.close();

  await t.rejects(startMember(memberOptions(dir, { snapshotCountEntries, snapshotCatchUpEntries })), {
    message: /LogCorruptionError: raft log in .* is corrupt: snapshot-data record at index \d+: checksum mismatch/,
  });
});
