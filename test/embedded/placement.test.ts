/**
 * The placements open() offers beyond the default: each one serves puts,
 * reads and watches, puts the actors on the threads it promises, and closes
 * leaving nothing open. Wrong group maps fail before any thread starts.
 */
import t, { type Test } from 'tap';
import type { Member } from '../../actors/member/start-member.ts';
import { open, type Conclave, type MemberPlacement, type WatchResponse } from '../../src/index.ts';
import { fastTimings, freshDir, openFresh, text } from './helpers.ts';

/** Reaches past the public API, which does not say where actors run. */
const threadsOf = (db: Conclave) => {
  const member = (db as unknown as { member: Member }).member;
  return {
    workers: member.system.workerCount,
    raft: member.raft.thread,
    logWriter: member.logWriter.thread,
    applier: member.applier.thread,
    watchHub: member.watchHub.thread,
    leaseWheel: member.leaseWheel.thread,
  };
};

async function nextEvents(iterator: AsyncIterator<WatchResponse>): Promise<WatchResponse> {
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('watch ended');
    if (value.kind !== 'progress') return value;
  }
}

async function exercise(t: Test, db: Conclave): Promise<void> {
  const watch = await db.watch({ key: 'svc/', prefix: true });
  const iterator = watch[Symbol.asyncIterator]();
  const { revision } = await db.put('svc/a', '1');
  t.equal(text((await db.get('svc/a'))?.value), '1', 'linearizable read sees the put');
  t.equal((await db.get('svc/a', { serializable: true }))?.modRevision, revision, 'serializable read sees the put');
  const response = await nextEvents(iterator);
  t.equal(response.kind, 'events');
  if (response.kind === 'events') t.same(response.events.map((e) => `${e.type} ${text(e.kv.key)} @${e.kv.modRevision}`), [`put svc/a @${revision}`]);
  watch.cancel();
}

const cases: { readonly label: string; readonly placement: MemberPlacement; readonly expect: ReturnType<typeof threadsOf> }[] = [
  {
    label: "'two-workers': raft and log writer on one worker, applier, watch hub and lease wheel on the other",
    placement: 'two-workers',
    expect: { workers: 2, raft: 1, logWriter: 1, applier: 2, watchHub: 2, leaseWheel: 2 },
  },
  {
    label: "'host-thread': every actor on the host's main thread, no worker",
    placement: 'host-thread',
    expect: { workers: 0, raft: 0, logWriter: 0, applier: 0, watchHub: 0, leaseWheel: 0 },
  },
  {
    label: 'an explicit group map: the log writer alone, the rest together',
    placement: { groups: { log: ['log-writer'], rest: ['raft', 'applier', 'watch-hub', 'lease-wheel'] } },
    expect: { workers: 2, raft: 2, logWriter: 1, applier: 2, watchHub: 2, leaseWheel: 2 },
  },
];

// One member at a time: one actor system per process.
for (const { label, placement, expect } of cases) {
  t.test(label, async (t) => {
    const { db } = await openFresh(t, { placement });
    t.same(threadsOf(db), expect, 'actors run where the placement says');
    await exercise(t, db);
  });
}

t.test('a group map must name only the member actors, and all of them', async (t) => {
  const dir = await freshDir(t);
  await t.rejects(
    open({ dir, ...fastTimings, placement: { groups: { all: ['raft', 'log-writer', 'applier', 'watch-hub', 'lease-wheel', 'raftt' as 'raft'] } } }),
    { name: 'TypeError', message: /names unknown actors \(raftt\); the member's actors are raft, log-writer/ },
  );
  await t.rejects(open({ dir, ...fastTimings, placement: { groups: { all: ['raft', 'log-writer', 'applier'] } } }), {
    name: 'TypeError',
    message: 'placement.groups leaves out lease-wheel, watch-hub; put every actor the member runs in one group',
  });
  await t.rejects(open({ dir, ...fastTimings, placement: 'everywhere' as MemberPlacement }), {
    name: 'TypeError',
    message: /placement must be 'one-worker', 'two-workers', 'per-actor', 'host-thread' or \{ groups/,
  });
});
