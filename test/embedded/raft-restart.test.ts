/**
 * A transient failure of the raft actor must not take the member down: the
 * runtime restarts it, the new incarnation starts from the durable log and
 * from the applier's applied index, and the member serves again. Writes
 * acknowledged before the failure stay, revisions continue, and a write in
 * flight at the failure is answered (acknowledged and present, or refused
 * with a ConclaveError), never left hanging.
 */
import t from 'tap';
import type { Member } from '../../actors/member/start-member.ts';
import type { SystemEvent } from '../../runtime/index.ts';
import { ConclaveError, type Conclave } from '../../src/index.ts';
import { openFresh, text } from './helpers.ts';

/** Reaches past the public API: nothing a client can send makes an actor fail. */
const memberOf = (db: Conclave): Member => (db as unknown as { member: Member }).member;

/** Bounded waits only as a safety net: every wait below is for an event. */
const SAFETY_NET_MS = 8_000;

function withinSafetyNet<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${SAFETY_NET_MS} ms`)), SAFETY_NET_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The first runtime event of the raft actor that `which` accepts. */
function nextRaftEvent(db: Conclave, which: SystemEvent['type']): Promise<SystemEvent> {
  return new Promise((resolve) => {
    const off = db.onRuntimeEvent((event) => {
      if (event.type !== which || !('actor' in event) || event.actor !== 'raft') return;
      off();
      resolve(event);
    });
  });
}

// 'two-workers' puts the applier on another thread than the raft actor and its log writer.
for (const placement of ['one-worker', 'two-workers'] as const) {
  t.test(`${placement}: after one raft failure the member serves writes and reads again, nothing lost, revisions monotonic`, async (t) => {
    // Snapshots every 5 entries, 2 entries kept behind them: the restarted core starts from a snapshot the applier is already past.
    const { db } = await openFresh(t, { placement, snapshotCountEntries: 5, snapshotCatchUpEntries: 2 });
    const watch = await db.watch({ key: 'k/', prefix: true });
    const watched = watch[Symbol.asyncIterator]();
    const acknowledged = new Map<string, { value: string; revision: number }>();
    for (let i = 0; i < 12; i += 1) {
      const { revision } = await db.put(`k/before-${i}`, `v${i}`);
      acknowledged.set(`k/before-${i}`, { value: `v${i}`, revision });
    }
    const lastBefore = Math.max(...[...acknowledged.values()].map((write) => write.revision));
    const restarted = nextRaftEvent(db, 'actor-restarted');
    // Writes in flight at the failure: each must be answered, one way or the other.
    const inFlight = Array.from({ length: 20 }, (_unused, i) =>
      db.put(`k/during-${i}`, `d${i}`).then(
        ({ revision }) => ({ key: `k/during-${i}`, value: `d${i}`, revision }),
        (error: unknown) => error,
      ),
    );
    memberOf(db).raft.send({ type: 'fail', reason: 'injected by the test' });
    await withinSafetyNet(restarted, 'the raft actor restarted');
    const answers = await withinSafetyNet(Promise.all(inFlight), 'every in-flight write answered');
    for (const answer of answers) {
      if (answer instanceof Error) {
        t.type(answer, ConclaveError, 'a refused in-flight write is refused with a typed error');
        t.equal(answer.message, 'etcdserver: request timed out, possibly due to previous leader failure');
        continue;
      }
      const { key, value, revision } = answer as { key: string; value: string; revision: number };
      t.ok(revision > lastBefore, 'an acknowledged in-flight write got a revision after the earlier ones');
      acknowledged.set(key, { value, revision });
    }

    const lastAcknowledged = Math.max(...[...acknowledged.values()].map((write) => write.revision));
    const after = await withinSafetyNet(db.put('k/after', 'a'), 'a write after the restart');
    t.ok(after.revision > lastAcknowledged, `the revision continues (${after.revision} after ${lastAcknowledged})`);
    const reads = await Promise.all([...acknowledged.keys()].map((key) => db.get(key)));
    [...acknowledged].forEach(([key, { value, revision }], i) => {
      t.equal(text(reads[i]?.value), value, `${key} is readable after the restart`);
      t.equal(reads[i]?.modRevision, revision, `${key} kept its revision`);
    });
    t.equal(text((await db.get('k/after'))?.value), 'a', 'a linearizable read sees the new write');
    t.equal(text((await db.get('k/after', { serializable: true }))?.value), 'a', 'so does a serializable one');

    // A watcher from before the failure saw every revision once, in order: no entry was applied twice.
    const revisions: number[] = [];
    while (revisions.at(-1) !== after.revision) {
      const { value, done } = await withinSafetyNet(watched.next(), 'the watcher reaches the last write');
      if (done === true) throw new Error('the watch ended');
      if (value.kind === 'events') revisions.push(...value.events.map((event) => event.kv.modRevision));
    }
    t.same(revisions, [...new Set(revisions)].sort((left, right) => left - right), 'each revision once, ascending');
    for (const { revision } of acknowledged.values()) t.ok(revisions.includes(revision), `revision ${revision} was watched`);
    watch.cancel();
  });
}

t.test('repeated raft failures past the restart budget escalate, and requests are refused as server stopped', async (t) => {
  const { db } = await openFresh(t);
  await db.put('a', '1');
  const escalated = nextRaftEvent(db, 'actor-escalated');
  const raft = memberOf(db).raft;
  // The default budget is 3 restarts within 10 s: each failure waits for the restart before the next.
  for (let failure = 0; failure < 3; failure += 1) {
    const restarted = nextRaftEvent(db, 'actor-restarted');
    raft.send({ type: 'fail', reason: `injected failure ${failure + 1}` });
    await withinSafetyNet(restarted, `restart ${failure + 1}`);
    await withinSafetyNet(db.put('a', String(failure + 2)), `a write after restart ${failure + 1}`);
  }
  raft.send({ type: 'fail', reason: 'the failure past the budget' });
  const event = await withinSafetyNet(escalated, 'the escalation');
  t.match(event, { type: 'actor-escalated', actor: 'raft', restartsInWindow: 3 }, 'the escalation names the raft actor and its restarts');
  t.match((event as Extract<SystemEvent, { type: 'actor-escalated' }>).error.message, /the failure past the budget/);
  // The gRPC server answers this error with etcd's "etcdserver: server stopped" (src/server/errors.ts).
  await t.rejects(withinSafetyNet(db.put('a', 'late'), 'a write after the escalation'), { code: 'ACTOR_STOPPED' });
});
