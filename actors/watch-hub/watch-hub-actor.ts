/**
 * The watch-hub actor: the member's watchers, fed by the applier's change
 * events, drained by frontends through long polls (one parked poll per
 * session). History older than the hub's recent window is read from the
 * applier, so a watch from an old revision never blocks the live path.
 */
import { defineActor, matchType, type ActorContext } from '../../runtime/index.ts';
import type { ChangeEvent } from '../applier/mvcc/types.ts';
import type { ApplierMessage } from '../applier/applier-actor.ts';
import type { EventPage } from '../applier/mvcc/index.ts';
import { ActorNames } from '../member/names.ts';
import { refused, success, type Outcome } from '../member/outcome.ts';
import { HistoryCompactedError, WatchError, WatchHub } from './index.ts';
import type { WatchCreated, WatchRequest, WatchResponse } from './types.ts';
import { WatchSessions } from './watch-sessions.ts';

export type WatchHubMessage =
  | { readonly type: 'publish'; readonly events: readonly ChangeEvent[]; readonly revision: number; readonly compactRevision: number }
  /** The store jumped to a snapshot's revision: watchers catch up from its history or are cancelled as compacted. */
  | { readonly type: 'restore'; readonly revision: number; readonly compactRevision: number }
  | { readonly type: 'open-session' }
  | { readonly type: 'close-session'; readonly sessionId: number }
  | { readonly type: 'create'; readonly sessionId: number; readonly request: WatchRequest }
  | { readonly type: 'cancel'; readonly sessionId: number; readonly watchId: number }
  /** watchId -1: every watcher of the session (etcd's stream-wide progress request). */
  | { readonly type: 'progress'; readonly sessionId: number; readonly watchId: number }
  /** Ask: answered with responses as soon as there are any, or empty after `maxWaitMs`. */
  | { readonly type: 'poll'; readonly sessionId: number; readonly maxWaitMs: number }
  | { readonly type: 'tick' };

export interface WatchHubArgs {
  readonly progressIntervalMs: number;
  /** How often the hub's clock moves (progress rounds, catch-up retries). */
  readonly tickIntervalMs: number;
  readonly maxSessions: number;
  /** Responses handed out per poll, at most. */
  readonly maxResponsesPerPoll: number;
}

const HISTORY_PAGE_EVENTS = 4_096;
const invalidArgument = (message: string) => refused({ grpcCode: 3, message });
const tooManySessions = refused({ grpcCode: 8, message: 'etcdserver: too many watch streams' });

export const watchHubActor = defineActor<WatchHubMessage, WatchHubArgs>((args, ctx) => {
  const applier = () => ctx.lookup<ApplierMessage>(ActorNames.applier);

  async function readHistory(fromRevision: number, toRevision: number, key: Uint8Array, rangeEnd: Uint8Array): Promise<ChangeEvent[]> {
    const events: ChangeEvent[] = [];
    let startRevision = fromRevision;
    while (startRevision <= toRevision) {
      const page = await applier().ask<Outcome<EventPage>>({ type: 'events-since', key, rangeEnd, startRevision, maxEvents: HISTORY_PAGE_EVENTS });
      if (!page.ok) throw new HistoryCompactedError(page.refusal.compactRevision ?? 0);
      for (const event of page.value.events) if (event.kv.modRevision <= toRevision) events.push(event);
      if (page.value.nextRevision <= startRevision) throw new Error(`history reader made no progress at revision ${startRevision}`);
      startRevision = page.value.nextRevision;
    }
    return events;
  }

  const hub = new WatchHub({
    currentRevision: 1,
    compactRevision: 0,
    readEvents: readHistory,
    startMs: Date.now(),
    progressIntervalMs: args.progressIntervalMs,
  });
  const sessions = new WatchSessions(args.maxSessions);
  let catchingUp = false;

  function deliver(): void {
    for (const sessionId of sessions.parkedSessionsOf(hub.readyWatchIds())) {
      const poll = sessions.unpark(sessionId);
      if (!poll) continue;
      const responses: WatchResponse[] = [];
      for (const watchId of sessions.watchIdsOf(sessionId)) {
        const room = args.maxResponsesPerPoll - responses.length;
        if (room <= 0) break;
        for (const response of hub.take(watchId, room)) {
          responses.push(response);
          if (response.kind === 'canceled') sessions.removeWatch(watchId);
        }
      }
      poll.resolve(responses);
    }
    catchUp();
  }

  function catchUp(): void {
    if (catchingUp || hub.unsyncedCount === 0) return;
    catchingUp = true;
    hub.catchUp().then(
      () => {
        catchingUp = false;
        deliver();
      },
      () => {
        // A failed history read leaves its watcher unsynced; the next tick retries.
        catchingUp = false;
      },
    );
  }

  const timer = setInterval(() => ctx.self.send({ type: 'tick' }), args.tickIntervalMs);
  timer.unref();
  ctx.onStop(() => clearInterval(timer));

  function create(message: Extract<WatchHubMessage, { type: 'create' }>): Outcome<WatchCreated> {
    if (!sessions.has(message.sessionId)) return invalidArgument('etcdserver: watch stream is closed');
    try {
      const created = hub.create(message.request);
      sessions.addWatch(message.sessionId, created.watchId);
      deliver();
      return success(created);
    } catch (error) {
      if (error instanceof WatchError) return invalidArgument(error.message);
      throw error;
    }
  }

  function poll(message: Extract<WatchHubMessage, { type: 'poll' }>, context: ActorContext<WatchHubMessage>): void {
    const replier = context.deferReply<WatchResponse[]>();
    if (!sessions.has(message.sessionId)) {
      replier.resolve([]);
      return;
    }
    sessions.park(message.sessionId, replier, Date.now() + message.maxWaitMs);
    deliver();
  }

  return matchType<WatchHubMessage>({
    publish: (message) => {
      hub.publish(message.events);
      if (message.compactRevision > hub.compactRevision) hub.compact(message.compactRevision);
      deliver();
    },
    restore: (message) => {
      hub.restore(message.revision, message.compactRevision);
      deliver();
    },
    'open-session': (): Outcome<number> => {
      const id = sessions.open();
      return id === null ? tooManySessions : success(id);
    },
    'close-session': (message) => {
      for (const watchId of sessions.close(message.sessionId)) hub.cancel(watchId);
    },
    create,
    cancel: (message): boolean => {
      if (!sessions.ownsWatch(message.sessionId, message.watchId)) return false;
      sessions.removeWatch(message.watchId);
      return hub.cancel(message.watchId);
    },
    progress: (message) => {
      if (!sessions.has(message.sessionId)) return;
      const watchIds = message.watchId === -1 ? sessions.watchIdsOf(message.sessionId) : [message.watchId];
      for (const watchId of watchIds) if (sessions.ownsWatch(message.sessionId, watchId)) hub.requestProgress(watchId);
      deliver();
    },
    poll,
    tick: () => {
      const nowMs = Date.now();
      hub.tick(nowMs);
      deliver();
      sessions.expirePolls(nowMs);
    },
  });
});
