/**
 * The first-party client across a kill -9 of the leader of a real 3-member
 * cluster (member processes from the local-cluster launcher): one client
 * connected to all three endpoints runs concurrent puts and linearizable
 * gets while the leader dies. It must keep serving once a new leader is
 * elected (bounded time), every acknowledged put must be readable at the
 * end, every failed call must fail with an etcd-style ConclaveError and
 * never hang, and a watch whose stream was on the leader must resume on a
 * survivor with no event lost or repeated.
 *
 * Puts go to unique keys, each written at most once, so the end state is
 * checkable exactly: a put whose outcome was unknown either exists once or
 * not at all, and the watch must have delivered exactly the keys that exist.
 */
import t from 'tap';
import { connect, ConclaveError, type ConclaveClient } from '../../src/client/index.ts';
import type { WatchResponse } from '../../actors/watch-hub/index.ts';
import { findLeader } from '../cluster/support/leader.ts';
import { program, programMissing, recoveryTimeoutMs, startTestCluster } from '../cluster/support/fault-run.ts';

/** Deadline of each attempt; retries of reads may add a few more. */
const callTimeoutMs = 3_000;
const retry = { maxAttempts: 8, initialBackoffMs: 25, maxBackoffMs: 500 } as const;
/** No call may take longer than this in all (attempts, backoff and server-side holding included): beyond it, it hung. */
const hangBoundMs = retry.maxAttempts * (callTimeoutMs + retry.maxBackoffMs);
const writers = 4;
const readers = 2;
/** Acknowledged operations that show the client serving, before the kill and again after it. */
const progressOps = 100;
const prefix = 'lc/';
const sentinelKey = `${prefix}~end`;

const decoder = new TextDecoder();

interface Acknowledged {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
  readonly atMs: number;
}

/** The record of a run: what was acknowledged, what failed and how, what read wrongly. */
class Load {
  readonly acknowledged: Acknowledged[] = [];
  /** Failures that were not ConclaveErrors with an etcd gRPC code and text, or that took past hangBoundMs. */
  readonly badFailures: string[] = [];
  readonly failedPuts: ConclaveError[] = [];
  readonly failedGets: ConclaveError[] = [];
  readonly staleReads: string[] = [];
  acknowledgedPuts = 0;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly waiters = new Set<{ target: number; wake: () => void }>();

  constructor(private readonly db: ConclaveClient) {
    for (let writer = 0; writer < writers; writer += 1) this.loops.push(this.write(writer));
    for (let reader = 0; reader < readers; reader += 1) this.loops.push(this.read());
  }

  /** Resolves once `count` more operations succeeded than now; rejects after `timeoutMs`. */
  async progress(count: number, timeoutMs: number): Promise<void> {
    const waiter = { target: this.acknowledgedPuts + count, wake: () => {} };
    const reached = new Promise<void>((resolve) => (waiter.wake = resolve));
    this.waiters.add(waiter);
    try {
      await within(reached, timeoutMs, `${count} more acknowledged puts (now ${this.acknowledgedPuts})`);
    } finally {
      this.waiters.delete(waiter);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  // Progress counts puts only: reads move on to a survivor at once, while a put sent to the
  // killed leader waits out its deadline, so counting reads could end the run before any put
  // after the kill was acknowledged.
  private putAcknowledged(): void {
    this.acknowledgedPuts += 1;
    for (const waiter of this.waiters) if (this.acknowledgedPuts >= waiter.target) waiter.wake();
  }

  /** Runs one call; a failure must be an etcd-style ConclaveError and every call must end within the hang bound. */
  private async timed<T>(what: string, call: () => Promise<T>): Promise<{ ok: T } | { failed: ConclaveError } | null> {
    const startedMs = performance.now();
    try {
      const ok = await within(call(), hangBoundMs, what);
      return { ok };
    } catch (error) {
      const tookMs = Math.round(performance.now() - startedMs);
      if (error instanceof ConclaveError && Number.isInteger(error.grpcCode) && error.grpcCode > 0 && error.message !== '') return { failed: error };
      this.badFailures.push(`${what} after ${tookMs} ms: ${String(error)}`);
      return null;
    }
  }

  private async write(writer: number): Promise<void> {
    for (let sequence = 0; !this.stopped; sequence += 1) {
      const key = `${prefix}w${writer}-${sequence}`;
      const value = `v${writer}-${sequence}`;
      const outcome = await this.timed(`put ${key}`, () => this.db.put(key, value));
      if (outcome === null) continue;
      if ('failed' in outcome) {
        this.failedPuts.push(outcome.failed);
        continue;
      }
      this.acknowledged.push({ key, value, revision: outcome.ok.revision, atMs: performance.now() });
      this.putAcknowledged();
    }
  }

  /** Linearizable gets of puts acknowledged before the get began: each must see its value. */
  private async read(): Promise<void> {
    for (let turn = 0; !this.stopped; turn += 1) {
      const known = this.acknowledged.at(-1 - (turn % 8));
      if (known === undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const outcome = await this.timed(`get ${known.key}`, () => this.db.get(known.key));
      if (outcome === null) continue;
      if ('failed' in outcome) {
        this.failedGets.push(outcome.failed);
        continue;
      }
      const seen = outcome.ok === null ? 'nothing' : decoder.decode(outcome.ok.value);
      if (seen !== known.value) this.staleReads.push(`get ${known.key} saw ${seen}, after ${known.value} was acknowledged`);
    }
  }
}

/** `promise`, or a rejection naming `what` once `ms` have passed (the safety net against a hang). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a watch's events until the sentinel key arrives. */
async function collectUntilSentinel(watch: AsyncIterable<WatchResponse>): Promise<{ key: string; modRevision: number }[]> {
  const events: { key: string; modRevision: number }[] = [];
  for await (const response of watch) {
    if (response.kind !== 'events') continue;
    for (const event of response.events) {
      const key = decoder.decode(event.kv.key);
      if (key === sentinelKey) return events;
      events.push({ key, modRevision: event.kv.modRevision });
    }
  }
  throw new Error('the watch ended before the sentinel');
}

t.test(`${program}: the client across a kill -9 of the leader`, { skip: programMissing, timeout: 180_000 }, async (t) => {
  const cluster = await startTestCluster(t);
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const db = await connect({ endpoints: [...cluster.endpoints], callTimeoutMs, retry });
  t.teardown(() => db.close());
  // The watch's client lists the leader first: its first call (the watch) goes to the leader.
  const leaderEndpoint = cluster.member(leader).endpoint;
  const watcher = await connect({ endpoints: [leaderEndpoint, ...cluster.endpoints.filter((e) => e !== leaderEndpoint)], callTimeoutMs, retry });
  t.teardown(() => watcher.close());
  const watch = await watcher.watch({ key: prefix, prefix: true });
  const watched = collectUntilSentinel(watch);

  const load = new Load(db);
  t.teardown(() => load.stop());
  await load.progress(progressOps, recoveryTimeoutMs);
  await cluster.kill(leader, 'SIGKILL');
  const killedAtMs = performance.now();
  const { leader: next } = await findLeader(cluster, recoveryTimeoutMs);
  t.not(next, leader, 'a new leader is elected among the survivors');
  await load.progress(progressOps, recoveryTimeoutMs);
  await load.stop();
  const firstPutAfterKill = load.acknowledged.find((put) => put.atMs > killedAtMs);
  t.ok(firstPutAfterKill, 'puts were acknowledged after the kill');
  t.comment(
    `${load.acknowledged.length} puts acknowledged, ${load.failedPuts.length} failed, ${load.failedGets.length} gets failed; ` +
      `first put acknowledged ${Math.round((firstPutAfterKill?.atMs ?? Number.NaN) - killedAtMs)} ms after the kill`,
  );
  t.comment(`failures: ${JSON.stringify([...new Set([...load.failedPuts, ...load.failedGets].map((e) => `${e.grpcCode} ${e.message.slice(0, 80)}`))])}`);
  t.same(load.badFailures, [], 'every failure was an etcd-style ConclaveError, and no call hung');
  t.same(load.staleReads, [], 'every linearizable get saw the put acknowledged before it');
  const messages = (errors: readonly ConclaveError[]) => errors.map((error) => `${error.grpcCode} ${error.message}`);
  t.same(messages(load.failedGets.filter((error) => error.grpcCode === 14)), [], 'no get failed as unavailable: reads are retried on another member');
  t.same(messages(load.failedPuts.filter((error) => error.message.startsWith('No connection established'))), [], 'no put failed for want of a connection: a put that never left is sent elsewhere');

  const lost: string[] = [];
  for (const put of load.acknowledged) {
    const now = await db.get(put.key);
    const then = await db.get(put.key, { revision: put.revision });
    if (now === null || decoder.decode(now.value) !== put.value || then?.modRevision !== put.revision) lost.push(`${put.key}@${put.revision}`);
  }
  t.same(lost, [], `every acknowledged put (${load.acknowledged.length}) is readable, now and at its revision`);

  await db.put(sentinelKey, 'end');
  const events = await watched;
  const revisions = events.map((event) => event.modRevision);
  t.same(revisions.filter((revision, i) => i > 0 && revision <= revisions[i - 1]!), [], 'the watch delivered revisions in order, none twice');
  const stored = await db.range({ key: new TextEncoder().encode(prefix), rangeEnd: new TextEncoder().encode(sentinelKey) });
  t.same(
    events.map((event) => `${event.key}@${event.modRevision}`),
    stored.kvs.map((kv) => `${decoder.decode(kv.key)}@${kv.modRevision}`).sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1])),
    `the watch delivered exactly the ${stored.kvs.length} puts that exist, no gap`,
  );
  t.ok(watch.reconnects >= 1, `the watch resumed on a survivor (${watch.reconnects} reconnect(s))`);
});
