/**
 * The lease-wheel actor around a new leader's promotion, with stub raft and
 * applier actors (fixtures/stub-member.ts): it arms leases only once the
 * applier reached the log's end as of the election, so a checkpoint applied
 * late still counts; it holds keep-alives meanwhile; and a keep-alive of a
 * checkpointed lease is answered only after the clearing checkpoint is
 * accepted by Raft, proposed so that it can never be forwarded to another
 * leader.
 */
import t, { type Test } from 'tap';
import { ActorSystem, type ActorRef } from '../../runtime/index.ts';
import type { TimeToLive } from '../../actors/lease-wheel/index.ts';
import type { LeaseWheelArgs, LeaseWheelMessage } from '../../actors/lease-wheel/lease-wheel-actor.ts';
import type { Outcome } from '../../actors/member/outcome.ts';
import { ActorNames } from '../../actors/member/names.ts';
import { STUB_LAST_INDEX, type RecordedProposal, type StubApplierMessage, type StubRaftMessage } from './fixtures/stub-member.ts';

const ELECTION_TIMEOUT_MS = 1_000;
const fixtures = new URL('./fixtures/stub-member.ts', import.meta.url).href;

interface Stubbed {
  readonly wheel: ActorRef<LeaseWheelMessage>;
  readonly raft: ActorRef<StubRaftMessage>;
  readonly applier: ActorRef<StubApplierMessage>;
}

async function stubbedWheel(t: Test): Promise<Stubbed> {
  const system = await ActorSystem.start({ placement: 'single' });
  t.teardown(() => system.shutdown());
  const raft = await system.spawn<StubRaftMessage>({ name: ActorNames.raft, module: fixtures, export: 'stubRaft' });
  const applier = await system.spawn<StubApplierMessage>({ name: ActorNames.applier, module: fixtures, export: 'stubApplier' });
  const args: LeaseWheelArgs = {
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
    tickIntervalMs: 100,
    maxLeases: 100,
    maxAttachedKeys: 100,
    idSeed: 1,
    hasTransport: false,
    requestTimeoutMs: 10_000,
    checkpointIntervalMs: 60_000,
  };
  const wheel = await system.spawn<LeaseWheelMessage>({
    name: ActorNames.leaseWheel,
    module: new URL('../../actors/lease-wheel/lease-wheel-actor.ts', import.meta.url).href,
    export: 'leaseWheelActor',
    args,
  });
  return { wheel, raft, applier };
}

async function ttlOf(wheel: ActorRef<LeaseWheelMessage>, id: number): Promise<number> {
  const outcome = await wheel.ask<Outcome<TimeToLive>>({ type: 'time-to-live', id, keys: false });
  if (!outcome.ok) throw new Error(outcome.refusal.message);
  return outcome.value.ttlSeconds;
}

t.test('a new leader arms leases from checkpoints applied after its election, and holds keep-alives until then', async (t) => {
  const { wheel, raft, applier } = await stubbedWheel(t);
  wheel.send({ type: 'granted', id: 5, ttlSeconds: 60 });
  wheel.send({ type: 'granted', id: 6, ttlSeconds: 60 });
  wheel.send({ type: 'role', leader: true, leaderId: 1 });
  t.equal(await applier.ask<number>({ type: 'awaited' }), STUB_LAST_INDEX, 'the wheel waits for the applier to reach the log end');

  // Entries of the previous term, applied after the election.
  wheel.send({ type: 'checkpointed', checkpoints: [{ id: 5, remainingTtlSeconds: 8 }, { id: 6, remainingTtlSeconds: 8 }] });
  let keepAliveAnswered = false;
  const keepAlive = wheel.ask<Outcome<{ ttlSeconds: number }>>({ type: 'keep-alive', id: 5 }).finally(() => {
    keepAliveAnswered = true;
  });
  t.equal(await ttlOf(wheel, 6), 8, 'until it leads, a lease reports its checkpointed remainder');
  t.equal(keepAliveAnswered, false, 'the keep-alive is held while the wheel catches up');

  applier.send({ type: 'release' });
  t.same(await keepAlive, { ok: true, value: { ttlSeconds: 60 } }, 'answered once the wheel leads');
  const ttl = await ttlOf(wheel, 6);
  t.ok(ttl <= 8 + ELECTION_TIMEOUT_MS / 1000, `armed from the late checkpoint: ${ttl} s left, not the full 60`);

  const proposals = await raft.ask<RecordedProposal[]>({ type: 'proposals' });
  t.same(
    proposals,
    [{ command: { type: 'lease-checkpoint', checkpoints: [{ id: 5, remainingTtlSeconds: 0 }] }, forwarded: true }],
    'the keep-alive cleared the checkpoint through Raft first, in a proposal that is never forwarded',
  );
  t.same(await wheel.ask({ type: 'keep-alive', id: 5 }), { ok: true, value: { ttlSeconds: 60 } });
  t.equal((await raft.ask<RecordedProposal[]>({ type: 'proposals' })).length, 2, 'the stub applies nothing, so the checkpoint still stands: the next keep-alive clears it again');
});

t.test('a keep-alive held by a member that loses leadership before it leads is refused as not leader', async (t) => {
  const { wheel, applier } = await stubbedWheel(t);
  wheel.send({ type: 'granted', id: 5, ttlSeconds: 60 });
  wheel.send({ type: 'role', leader: true, leaderId: 1 });
  await applier.ask({ type: 'awaited' });
  const keepAlive = wheel.ask<Outcome<{ ttlSeconds: number }>>({ type: 'keep-alive', id: 5 });
  wheel.send({ type: 'role', leader: false, leaderId: 2 });
  t.same(await keepAlive, { ok: false, refusal: { grpcCode: 14, message: 'etcdserver: not leader' } });
  applier.send({ type: 'release' });
  t.equal(await ttlOf(wheel, 5), 60, 'the late catch-up of the old leadership arms nothing');
});
