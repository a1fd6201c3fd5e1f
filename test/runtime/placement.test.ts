/**
 * Placement is configuration: the same pair of actors plays the same match
 * all on one worker, on the main thread, one actor per worker, and in a named
 * group; and bad placements fail at start with a message that says what to
 * change.
 */
import t from 'tap';
import { ActorSystem, InvalidOptionError, PlacementError, type Placement } from '../../runtime/index.ts';
import type { MatchResult, PingerMessage, PongerMessage } from '../../runtime/examples/ping-pong-actors.ts';
import { planPlacement } from '../../runtime/placement.ts';

const actors = new URL('../../runtime/examples/ping-pong-actors.ts', import.meta.url).href;

const placements: { readonly label: string; readonly threads?: number; readonly placement: Placement; readonly sameThread: boolean }[] = [
  { label: 'all on one thread', placement: 'single', sameThread: true },
  { label: 'all on the main thread', placement: 'main-thread', sameThread: true },
  { label: 'one actor per worker', threads: 2, placement: 'per-actor', sameThread: false },
  { label: 'a named co-located group', placement: { groups: { game: ['pinger', 'ponger'] } }, sameThread: true },
];

for (const { label, threads, placement, sameThread } of placements) {
  t.test(`${label}: same behaviour`, async (t) => {
    const system = await ActorSystem.start({ ...(threads === undefined ? {} : { threads }), placement });
    t.teardown(() => system.shutdown());
    const ponger = await system.spawn<PongerMessage>({ name: 'ponger', module: actors, export: 'ponger' });
    const pinger = await system.spawn<PingerMessage>({ name: 'pinger', module: actors, export: 'pinger' });
    const result = await pinger.ask<MatchResult>({ type: 'play', rounds: 500, opponent: ponger });
    t.equal(result.rounds, 500);
    t.equal(result.pingerThread, pinger.thread, 'the pinger ran where the system placed it');
    t.equal(result.pongerThread, ponger.thread, 'the ponger ran where the system placed it');
    t.equal(pinger.thread === ponger.thread, sameThread);
  });
}

t.test('placement plans and their validation', async (t) => {
  const perActor = planPlacement('per-actor', 2);
  t.equal(perActor.choose('a', new Map()), 1);
  t.equal(perActor.choose('b', new Map([[1, 1]])), 2);
  t.throws(() => perActor.choose('c', new Map([[1, 1], [2, 1]])), PlacementError, 'no free worker: an error, not doubling up');

  const groups = planPlacement({ groups: { raft: ['raft', 'log-writer'], apply: ['applier'] } }, undefined);
  t.equal(groups.workerCount, 2);
  t.same(['raft', 'log-writer', 'applier'].map((a) => groups.choose(a, new Map())), [1, 1, 2]);
  t.throws(() => groups.choose('stranger', new Map()), { code: 'PLACEMENT', message: /none of the groups \(raft, apply\)/ });

  t.throws(() => planPlacement('per-actor', undefined), InvalidOptionError);
  t.throws(() => planPlacement('single', 3), { code: 'INVALID_OPTION', message: /'single' placement runs one worker/ });
  const mainThread = planPlacement('main-thread', undefined);
  t.equal(mainThread.workerCount, 0, "'main-thread' starts no worker");
  t.same(['a', 'b'].map((a) => mainThread.choose(a, new Map([[0, 5]]))), [0, 0], 'every actor on thread 0');
  t.throws(() => planPlacement('main-thread', 1), { code: 'INVALID_OPTION', message: /'main-thread' placement runs no worker; omit threads/ });
  t.throws(() => planPlacement({ groups: { a: ['x'], b: ['x'] } }, undefined), { message: /already in another group/ });
  t.throws(() => planPlacement({ groups: { a: ['x'] } }, 2), { message: /one worker per group \(1\)/ });
  t.throws(() => planPlacement('everywhere' as Placement, 2), InvalidOptionError);
  t.throws(() => planPlacement('per-actor', 0), { code: 'INVALID_OPTION', details: { option: 'threads' } });
  await t.rejects(ActorSystem.start({ threads: 2, placement: 'per-actor', ringCapacityBytes: 1000 }), {
    code: 'INVALID_OPTION',
    details: { option: 'ringCapacityBytes' },
  });
});
