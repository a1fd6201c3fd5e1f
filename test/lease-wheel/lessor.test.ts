import t from 'tap';
import type { LessorOptions } from '../../actors/lease-wheel/lessor.ts';
import { Lessor } from '../../actors/lease-wheel/lessor.ts';
import { LeaseError } from '../../actors/lease-wheel/errors.ts';
import { MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds } from '../../actors/lease-wheel/lease-ttl.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (keys: readonly Uint8Array[]): string[] => keys.map((k) => new TextDecoder().decode(k));

/** A seeded source, so minted IDs are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

function lessor(overrides: Partial<LessorOptions> = {}): Lessor {
  return new Lessor({
    electionTimeoutMs: 1_000,
    maxLeases: 1_000,
    maxAttachedKeys: 10_000,
    random: seeded(7),
    startMs: 0,
    ...overrides,
  });
}

function leader(overrides: Partial<LessorOptions> = {}): Lessor {
  const l = lessor(overrides);
  l.promote(0);
  return l;
}

const code = (code: string) => ({ name: 'LeaseError', code });

t.test('grant, time-to-live, keepalive, list, revoke: one lease story on the leader', async (t) => {
  const l = leader({ promoteExtensionMs: 0 });
  t.same(l.grant(100, 10, 0), { id: 100, ttlSeconds: 10 });
  l.attach(100, enc('b'));
  l.attach(100, enc('a'));
  l.attach(100, enc('a'));
  t.equal(l.attachedKeyCount, 2, 'attaching the same key twice counts once');
  t.same(l.timeToLive(100, 3_500), { id: 100, ttlSeconds: 6, grantedTtlSeconds: 10, keys: [enc('a'), enc('b')] });
  t.same(l.keepAlive(100, 4_000), { ttlSeconds: 10, clearCheckpoint: false });
  t.equal(l.timeToLive(100, 4_000).ttlSeconds, 10, 'keepalive restarts the full TTL');
  t.same(l.leases(), [100]);
  l.detach(100, enc('b'));
  t.same(dec(l.revoke(100)), ['a'], 'revoke hands back the keys to delete');
  t.same(l.leases(), []);
  t.equal(l.attachedKeyCount, 0);
  t.throws(() => l.timeToLive(100, 4_000), code('lease-not-found'));
});

t.test('errors carry etcd 3.4 messages', async (t) => {
  const l = leader();
  l.grant(5, 60, 0);
  t.throws(() => l.grant(5, 60, 0), new LeaseError('lease-exists', 'etcdserver: lease already exists'));
  t.throws(() => l.grant(6, MAX_LEASE_TTL_SECONDS + 1, 0), { message: 'etcdserver: too large lease TTL' });
  t.same(l.grant(6, MAX_LEASE_TTL_SECONDS, 0), { id: 6, ttlSeconds: MAX_LEASE_TTL_SECONDS }, 'the maximum itself is allowed');
  for (const call of [() => l.revoke(9), () => l.keepAlive(9, 0), () => l.timeToLive(9, 0), () => l.attach(9, enc('k')), () => l.detach(9, enc('k'))]) {
    t.throws(call, { message: 'etcdserver: requested lease not found' });
  }
  t.throws(() => l.grant(-3, 60, 0), code('invalid-lease-id'));
  t.throws(() => l.grant(2 ** 53, 60, 0), code('invalid-lease-id'));
});

t.test('a TTL below ~1.5 election timeouts is raised to the minimum and reported raised', async (t) => {
  t.equal(minLeaseTtlSeconds(1_000), 2, "etcd's default: 1000 ms election timeout -> 2 s");
  t.equal(minLeaseTtlSeconds(5_000), 8);
  const l = leader({ electionTimeoutMs: 5_000, promoteExtensionMs: 0 });
  t.same(l.grant(1, 1, 0), { id: 1, ttlSeconds: 8 });
  t.same(l.grant(2, 0, 0), { id: 2, ttlSeconds: 8 });
  t.same(l.grant(3, 9, 0), { id: 3, ttlSeconds: 9 }, 'at or above the minimum: unchanged');
  t.same(l.tick(7_999).expired, [], 'the raised TTL is the one that counts');
  t.same(l.tick(8_000).expired, [1, 2]);
});

t.test('ID 0 mints a fresh ID in the safe range, the same one for the same seed', async (t) => {
  const a = lessor({ random: seeded(42) });
  const b = lessor({ random: seeded(42) });
  const idsA = [a.grant(0, 10, 0).id, a.grant(0, 10, 0).id, a.grant(0, 10, 0).id];
  const idsB = [b.grant(0, 10, 0).id, b.grant(0, 10, 0).id, b.grant(0, 10, 0).id];
  t.same(idsA, idsB, 'deterministic from the injected random');
  t.equal(new Set(idsA).size, 3);
  t.ok(idsA.every((id) => Number.isSafeInteger(id) && id > 0));
  let draws = 0;
  const stuck = lessor({ random: () => (draws++ < 3 ? 0 : 0.5) });
  t.equal(stuck.grant(0, 10, 0).id, 1, 'draw 0 mints ID 1');
  t.equal(stuck.grant(0, 10, 0).id, 1 + Math.floor(0.5 * Number.MAX_SAFE_INTEGER), 'a taken ID is drawn again');
  t.throws(() => lessor({ random: () => 1 }).mintId(), /expected \[0, 1\)/);
});

t.test('the leader decides expiry at the right time, and again if the revoke never commits', async (t) => {
  const l = leader({ promoteExtensionMs: 0, tickMs: 100 });
  l.grant(1, 5, 0);
  l.grant(2, 7, 0);
  t.same(l.tick(4_999), { expired: [], checkpoints: [] });
  t.same(l.tick(5_000).expired, [1]);
  t.same(l.tick(6_000).expired, [], 'asked once; the caller is proposing the revoke');
  t.throws(() => l.keepAlive(1, 6_000), code('lease-not-found'), 'an expired lease cannot be kept alive');
  t.same(l.tick(7_000).expired, [2]);
  t.same(l.tick(8_000).expired, [1], 'revoke of 1 never applied: decided again after 3 s');
  l.revoke(1);
  l.revoke(2);
  t.same(l.tick(60_000).expired, [], 'revoked leases are never reported');
  t.equal(l.nextWakeMs(), null);
});

t.test('expiry decisions are handed out at a bounded rate', async (t) => {
  const l = leader({ promoteExtensionMs: 0, maxExpiriesPerTick: 2 });
  for (let id = 1; id <= 5; id += 1) l.grant(id, 2, 0);
  t.same(l.tick(2_000).expired, [1, 2]);
  t.equal(l.nextWakeMs(), 2_000, 'more decisions are waiting');
  t.same(l.tick(2_100).expired, [3, 4]);
  t.same(l.tick(2_200).expired, [5]);
});

t.test('a follower keeps leases but never expires them, and does not serve keepalives', async (t) => {
  const l = lessor();
  l.grant(1, 2, 0);
  t.same(l.tick(1_000_000), { expired: [], checkpoints: [] });
  t.same(l.leases(), [1]);
  t.throws(() => l.keepAlive(1, 1_000_000), code('not-leader'));
  t.equal(l.timeToLive(1, 1_000_000).ttlSeconds, 2, 'a follower reports the full TTL it knows');
  t.equal(l.nextWakeMs(), null);
});

t.test('promotion re-arms every lease at now + extension + its full TTL, from the new leader clock', async (t) => {
  const l = lessor({ electionTimeoutMs: 1_000 });
  l.grant(1, 10, 0);
  l.promote(50_000);
  t.ok(l.isLeader);
  t.equal(l.timeToLive(1, 50_000).ttlSeconds, 11, 'the election timeout is added as slack');
  t.same(l.tick(60_999).expired, [], 'never earlier than now + TTL (+ slack)');
  t.same(l.tick(61_000).expired, [1]);
});

t.test('demotion stops expiry and forgets pending decisions; a later promotion starts over', async (t) => {
  const l = leader({ promoteExtensionMs: 0, maxExpiriesPerTick: 1 });
  l.grant(1, 5, 0);
  l.grant(2, 5, 0);
  t.same(l.tick(5_000).expired, [1]);
  l.demote();
  t.notOk(l.isLeader);
  t.same(l.tick(100_000).expired, [], '2 was pending, but a follower says nothing');
  l.promote(100_000);
  t.same(l.tick(104_999).expired, []);
  t.same(l.tick(105_000).expired, [1], 'full TTL again from the new term (one decision per tick here)');
  t.same(l.tick(105_100).expired, [2]);
  t.throws(() => l.promote(105_100), /already the leader/);
});

t.test('checkpoints: long leases report their remainder; promotion and keepalive honour it', async (t) => {
  const l = leader({ promoteExtensionMs: 0, checkpointIntervalMs: 300_000 });
  l.grant(1, 3_600, 0);
  l.grant(2, 60, 0);
  const first = l.tick(300_000);
  t.same(first.checkpoints, [{ id: 1, remainingTtlSeconds: 3_300 }], 'short leases are not checkpointed');
  l.applyCheckpoint(first.checkpoints[0]!);
  t.same(l.tick(600_000).checkpoints, [{ id: 1, remainingTtlSeconds: 3_000 }], 'and again every interval');
  t.same(l.persisted().find((p) => p.id === 1), { id: 1, ttlSeconds: 3_600, remainingTtlSeconds: 3_300 });
  l.demote();
  l.promote(700_000);
  t.equal(l.timeToLive(1, 700_000).ttlSeconds, 3_300, 'a new leader honours the checkpointed remainder, not the full hour');
  t.same(l.keepAlive(1, 700_000), { ttlSeconds: 3_600, clearCheckpoint: true }, 'the stale remainder must be cleared through Raft');
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 0 });
  t.same(l.keepAlive(1, 700_001), { ttlSeconds: 3_600, clearCheckpoint: false });
  l.applyCheckpoint({ id: 99, remainingTtlSeconds: 5 });
  t.same(l.leases(), [1, 2], 'a checkpoint of a revoked lease is ignored');
});

t.test('restart: ID, TTL and remainder survive; keys are re-attached by the applier; the member starts as a follower', async (t) => {
  const before = leader({ promoteExtensionMs: 0 });
  before.grant(1, 600, 0);
  before.grant(2, 30, 0);
  before.attach(1, enc('k'));
  before.applyCheckpoint({ id: 1, remainingTtlSeconds: 400 });
  const records = before.persisted();
  t.same(records, [
    { id: 1, ttlSeconds: 600, remainingTtlSeconds: 400 },
    { id: 2, ttlSeconds: 30, remainingTtlSeconds: 0 },
  ]);
  const after = Lessor.restore(
    { electionTimeoutMs: 1_000, maxLeases: 10, maxAttachedKeys: 10, random: seeded(1), startMs: 5_000, promoteExtensionMs: 0 },
    records,
  );
  t.notOk(after.isLeader);
  t.same(after.leases(), [1, 2]);
  t.same(after.timeToLive(1, 5_000).keys, [], 'keys are not in the lease record');
  after.attach(1, enc('k'));
  after.promote(5_000);
  t.equal(after.timeToLive(1, 5_000).ttlSeconds, 400);
  t.same(after.tick(35_000).expired, [2]);
  after.revoke(2);
  t.same(after.tick(404_999).expired, []);
  t.same(after.tick(405_000).expired, [1]);
  t.same(dec(after.revoke(1)), ['k']);
  t.throws(() => Lessor.restore({ electionTimeoutMs: 1_000, maxLeases: 1, maxAttachedKeys: 1, random: seeded(1), startMs: 0 }, records), code('too-many-leases'));
  t.throws(
    () => Lessor.restore({ electionTimeoutMs: 1_000, maxLeases: 5, maxAttachedKeys: 1, random: seeded(1), startMs: 0 }, [records[0]!, records[0]!]),
    /appears twice/,
  );
  const raised = Lessor.restore({ electionTimeoutMs: 4_000, maxLeases: 5, maxAttachedKeys: 1, random: seeded(1), startMs: 0 }, [{ id: 3, ttlSeconds: 1, remainingTtlSeconds: 0 }]);
  t.equal(raised.timeToLive(3, 0).grantedTtlSeconds, 6, 'a restored TTL below the minimum is raised too');
});

t.test('bounded: leases and attached keys', async (t) => {
  const l = leader({ maxLeases: 2, maxAttachedKeys: 2 });
  l.grant(1, 60, 0);
  l.grant(2, 60, 0);
  t.throws(() => l.grant(3, 60, 0), code('too-many-leases'));
  l.attach(1, enc('a'));
  l.attach(2, enc('b'));
  t.throws(() => l.attach(2, enc('c')), code('too-many-attached-keys'));
  l.revoke(1);
  l.attach(2, enc('c'));
  l.grant(3, 60, 0);
  t.equal(l.attachedKeyCount, 2);
  t.equal(l.size, 2);
});

t.test('time never goes backwards', async (t) => {
  const l = leader();
  l.tick(1_000);
  t.throws(() => l.grant(1, 10, 999), /backwards/);
  t.throws(() => l.tick(500), /backwards/);
  l.demote();
  t.throws(() => l.demote(), /not the leader/);
});

t.test('a keepalive while a checkpoint is on its way through Raft must clear it, until that checkpoint applies or is abandoned', async (t) => {
  const l = leader({ promoteExtensionMs: 0, checkpointIntervalMs: 1_000 });
  l.grant(1, 10, 0);
  l.grant(2, 10, 0);
  t.same(l.tick(1_000).checkpoints, [{ id: 1, remainingTtlSeconds: 9 }, { id: 2, remainingTtlSeconds: 9 }]);
  t.same(l.keepAlive(1, 1_100), { ttlSeconds: 10, clearCheckpoint: true }, 'proposed, not applied: the clear must follow it in the log');
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 9 });
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 0 });
  t.same(l.keepAlive(1, 1_200), { ttlSeconds: 10, clearCheckpoint: false }, 'applied, then cleared: nothing left to clear');
  l.abandonCheckpoints([2]);
  t.same(l.keepAlive(2, 1_200), { ttlSeconds: 10, clearCheckpoint: false }, 'a refused checkpoint never lands');
  t.same(l.tick(2_000).checkpoints, [], 'both were renewed within the interval: no remainder below the TTL to record');
  l.demote();
  l.promote(3_000);
  t.same(l.keepAlive(1, 3_000), { ttlSeconds: 10, clearCheckpoint: false }, 'a new leadership starts with nothing in flight');
});

t.test('promotion arms a checkpointed lease no shorter than the minimum TTL', async (t) => {
  const l = lessor({ electionTimeoutMs: 2_000, promoteExtensionMs: 0 });
  l.grant(1, 30, 0);
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 1 });
  l.promote(10_000);
  t.equal(l.timeToLive(1, 10_000).ttlSeconds, minLeaseTtlSeconds(2_000), 'a 1 s remainder is raised to the 3 s minimum');
  t.same(l.tick(12_999).expired, []);
  t.same(l.tick(13_000).expired, [1]);
});

t.test('a follower reports the checkpointed remainder as the time to live', async (t) => {
  const l = lessor();
  l.grant(1, 60, 0);
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 25 });
  t.equal(l.timeToLive(1, 500).ttlSeconds, 25);
  l.applyCheckpoint({ id: 1, remainingTtlSeconds: 0 });
  t.equal(l.timeToLive(1, 600).ttlSeconds, 60, 'cleared: the full TTL again');
});
