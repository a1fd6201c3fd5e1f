/**
 * Waiting for one's turn in a lock or election queue, as etcd's recipes wait
 * (clientv3/concurrency waitDeletes): find the newest contender created
 * before us, watch its key from the revision it was seen at until it is
 * deleted, and repeat until none is left. Each waiter watches only the
 * contender just ahead of it, so a release wakes one waiter, not all.
 *
 * Never: hold a watch after the wait ends (watchUntil closes each one).
 */
import type { Conclave } from '../embedded/conclave.ts';
import { lastCreatedUnder } from './recipe-keys.ts';
import { recipeRefusal } from './recipe-unary.ts';
import { watchUntil } from './watch-until.ts';

/**
 * Resolves with the revision at which no key under `prefix` created at or
 * before `maxCreateRevision` exists any more; rejects when `signal` aborts.
 */
export async function waitForDeletes(db: Conclave, prefix: Uint8Array, maxCreateRevision: number, signal: AbortSignal): Promise<number> {
  const query = lastCreatedUnder(prefix, maxCreateRevision);
  // Keys created at or before the bound can only go away, so the first count bounds the rounds.
  let roundsLeft: number | null = null;
  for (;;) {
    signal.throwIfAborted();
    const ahead = await db.range(query);
    const newest = ahead.kvs[0];
    if (newest === undefined) return ahead.revision;
    roundsLeft ??= ahead.count;
    if (roundsLeft <= 0) throw new Error(`invariant: contenders created at or before ${maxCreateRevision} outlived ${ahead.count} deletions`);
    roundsLeft -= 1;
    const end = await watchUntil(db, { key: newest.key, startRevision: ahead.revision, filters: ['noput'] }, signal, (events) =>
      events.some((event) => event.type === 'delete'),
    );
    if (!end.reached) throw recipeRefusal(end.reason);
  }
}
