/**
 * A raft actor that fails is restarted by the runtime while its member runs
 * on (fixtures/raft-actor-stage.ts stands in for the actors around it). What
 * the failed incarnation held is answered at once, and what it left running
 * does nothing after it ended: the new incarnation alone drives the log and
 * the applier.
 */
import t from 'tap';
import { stage, startRaft, until } from './fixtures/raft-actor-stage.ts';

/** A safety net only: every wait below ends on an event. */
const waitMs = 5_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

t.test('a write the failed incarnation waited on, answered after the restart, leads to nothing', async (t) => {
  const raft = await startRaft(t, {});
  t.teardown(() => {
    stage.recoveredSnapshot = null;
  });
  await until(() => stage.applied.includes(1), waitMs, "the lone member's no-op to apply");
  stage.holdWrites = true;
  const inFlight = raft.ask({ type: 'propose', data: bytes('in flight') });
  await until(() => stage.heldWrites.length === 1, waitMs, 'the write of the proposal');
  // What the stand-in log writer recovers from now: the state the applier holds (index 1).
  stage.recoveredSnapshot = { meta: { index: 1, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) };
  raft.send({ type: 'fail', reason: 'injected by the test' });
  t.match(
    await inFlight,
    { ok: false, refusal: { grpcCode: 14, message: 'etcdserver: request timed out, possibly due to previous leader failure' } },
    'the proposal in flight is refused with the failure, not left waiting',
  );
  await until(() => stage.heldWrites.length === 2, waitMs, "the new incarnation's first write");
  t.same(stage.heldWrites[1]?.entryIndexes, [2], 'the new incarnation resumes after the recovered log');
  // The old incarnation's write now completes: it must neither apply nor write anything.
  stage.heldWrites[0]?.release();
  await raft.ask({ type: 'status' });
  stage.holdWrites = false;
  stage.heldWrites[1]?.release();
  await until(() => stage.applied.includes(2), waitMs, "the new leader's no-op to apply");
  const after = raft.ask({ type: 'propose', data: bytes('after') });
  t.match(await after, { ok: true }, 'the restarted actor takes proposals');
  t.same(stage.applied, [1, 2, 3], 'each index handed to the applier once, by the new incarnation only');
  t.same(stage.leaseWheelRoles, [true, false, true], 'the lease wheel stops acting as leader at the failure until the new incarnation leads');
});
