/**
 * Groups watchers into sessions (one per gRPC Watch stream or embedded
 * handle) and parks each session's single outstanding poll until one of its
 * watchers has output. A consumer that does not poll simply stops draining:
 * the hub's per-watcher bounds then hold its memory, never the publisher.
 */
import type { Replier } from '../../runtime/index.ts';
import type { WatchResponse } from './types.ts';

interface Session {
  readonly watchIds: Set<number>;
  parkedPoll: Replier<WatchResponse[]> | null;
  /** When the parked poll must be answered (empty if need be), before its asker gives up. */
  parkedUntilMs: number;
}

export class WatchSessions {
  private readonly sessions = new Map<number, Session>();
  private readonly sessionOfWatch = new Map<number, number>();
  private nextSessionId = 1;

  constructor(private readonly maxSessions: number) {}

  /** Null when the session limit is reached. */
  open(): number | null {
    if (this.sessions.size >= this.maxSessions) return null;
    const id = this.nextSessionId++;
    this.sessions.set(id, { watchIds: new Set(), parkedPoll: null, parkedUntilMs: 0 });
    return id;
  }

  has(sessionId: number): boolean {
    return this.sessions.has(sessionId);
  }

  addWatch(sessionId: number, watchId: number): void {
    this.sessionOrThrow(sessionId).watchIds.add(watchId);
    this.sessionOfWatch.set(watchId, sessionId);
  }

  ownsWatch(sessionId: number, watchId: number): boolean {
    return this.sessionOfWatch.get(watchId) === sessionId;
  }

  /** Forgets a watch whose cancellation the consumer has received (or asked for). */
  removeWatch(watchId: number): void {
    const sessionId = this.sessionOfWatch.get(watchId);
    if (sessionId === undefined) return;
    this.sessionOfWatch.delete(watchId);
    this.sessions.get(sessionId)?.watchIds.delete(watchId);
  }

  /** Closes a session: returns its watch IDs (to cancel) and answers its parked poll with nothing. */
  close(sessionId: number): number[] {
    const session = this.sessions.get(sessionId);
    if (!session) return [];
    this.sessions.delete(sessionId);
    for (const watchId of session.watchIds) this.sessionOfWatch.delete(watchId);
    session.parkedPoll?.resolve([]);
    return [...session.watchIds];
  }

  watchIdsOf(sessionId: number): readonly number[] {
    return [...this.sessionOrThrow(sessionId).watchIds];
  }

  /** Parks the poll until `untilMs`; an earlier parked poll of the same session is answered empty first. */
  park(sessionId: number, poll: Replier<WatchResponse[]>, untilMs: number): void {
    const session = this.sessionOrThrow(sessionId);
    session.parkedPoll?.resolve([]);
    session.parkedPoll = poll;
    session.parkedUntilMs = untilMs;
  }

  /** Answers empty every parked poll whose time is up, so no asker times out holding a reply. */
  expirePolls(nowMs: number): void {
    for (const session of this.sessions.values()) {
      if (session.parkedPoll && session.parkedUntilMs <= nowMs) {
        session.parkedPoll.resolve([]);
        session.parkedPoll = null;
      }
    }
  }

  /** The sessions owning the given watchers that have a parked poll, each once. */
  parkedSessionsOf(watchIds: readonly number[]): number[] {
    const found = new Set<number>();
    for (const watchId of watchIds) {
      const sessionId = this.sessionOfWatch.get(watchId);
      if (sessionId !== undefined && this.sessions.get(sessionId)?.parkedPoll) found.add(sessionId);
    }
    return [...found];
  }

  /** Removes and returns a session's parked poll. */
  unpark(sessionId: number): Replier<WatchResponse[]> | null {
    const session = this.sessions.get(sessionId);
    if (!session) return null;
    const poll = session.parkedPoll;
    session.parkedPoll = null;
    return poll;
  }

  private sessionOrThrow(sessionId: number): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw new RangeError(`watch session ${sessionId} is not open`);
    return session;
  }
}
