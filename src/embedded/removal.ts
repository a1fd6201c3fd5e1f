/**
 * How the host hears that the cluster removed its member: a long poll on the
 * raft actor ('await-removal'), answered the moment the member learns it
 * (it applied the entry removing it, or a peer of its cluster said so),
 * else renewed every REMOVAL_WAIT_MS. One ask is outstanding at a time and
 * nothing rides on requests, so the hot path pays nothing.
 *
 * Never rejects: it resolves on removal, and stays pending if the member
 * closes first or its raft actor stops for good.
 */
import { AskTimeoutError, type ActorRef } from '../../runtime/index.ts';
import type { RaftActorMessage } from '../../actors/raft/raft-actor.ts';

/** How long one ask waits in the raft actor before the host asks again. */
const REMOVAL_WAIT_MS = 60_000;
/** The ask's own timeout beyond that: only a raft actor that restarted (and forgot the wait) misses it. */
const ASK_MARGIN_MS = 30_000;

export async function removalOf(raft: ActorRef<RaftActorMessage>, isClosed: () => boolean): Promise<void> {
  while (!isClosed()) {
    let removed: boolean;
    try {
      removed = await raft.ask<boolean>({ type: 'await-removal', maxWaitMs: REMOVAL_WAIT_MS }, { timeoutMs: REMOVAL_WAIT_MS + ASK_MARGIN_MS });
    } catch (error) {
      if (error instanceof AskTimeoutError) continue;
      break; // stopped or shut down: nothing will report a removal any more
    }
    if (removed) return;
  }
  return new Promise<void>(() => undefined);
}
