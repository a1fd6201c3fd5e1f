/**
 * One embedded watch consumed until a condition holds, for the services that
 * wait on keys on a client's behalf (lock and election waits, Observe).
 * Tying the watch to the caller's AbortSignal here means no caller has to
 * remember to cancel it.
 *
 * Never: return or throw with the watch still open.
 */
import type { ChangeEvent } from '../../actors/applier/mvcc/index.ts';
import type { Conclave, WatchOptions } from '../embedded/conclave.ts';

/** The handler saw what it waited for, or the watch ended first (compaction, member closing) with `reason`. */
export type WatchEnd = { readonly reached: true } | { readonly reached: false; readonly reason: string };

/** Text when the watch stopped without saying why (etcd's waitDelete wording). */
const LOST_WATCHER = 'lost watcher waiting for delete';

/**
 * Feeds each batch of events to `onEvents` (with the batch's header
 * revision) until it returns true. Rejects with the abort reason once
 * `signal` aborts.
 */
export async function watchUntil(
  db: Conclave,
  options: WatchOptions,
  signal: AbortSignal,
  onEvents: (events: readonly ChangeEvent[], revision: number) => boolean | Promise<boolean>,
): Promise<WatchEnd> {
  signal.throwIfAborted();
  const watch = await db.watch(options);
  const stop = () => watch.cancel();
  signal.addEventListener('abort', stop, { once: true });
  try {
    signal.throwIfAborted(); // it may have aborted while the watch was being created
    for await (const response of watch) {
      if (response.kind === 'canceled') return { reached: false, reason: response.reason };
      if (response.kind === 'events' && (await onEvents(response.events, response.revision))) return { reached: true };
    }
    signal.throwIfAborted();
    return { reached: false, reason: LOST_WATCHER };
  } finally {
    signal.removeEventListener('abort', stop);
    watch.cancel();
  }
}
