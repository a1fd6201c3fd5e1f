/**
 * Issue 4, leader change: three members, each in a child process of this
 * test (test/cluster/fixtures/lease-member.ts), talking over TCP on
 * 127.0.0.1; the test drives their actors over IPC. The leader checkpoints
 * remaining TTLs through Raft every second; leadership then moves to another
 * member.
 * - A lease nobody keeps alive must go about when it was due, not a whole
 *   TTL after the change (the new leader arms it from the checkpoint).
 * - A lease kept alive just before the change must live the whole TTL that
 *   keep-alive promised, although an older, shorter checkpoint was committed.
 *
 * Timings: election 500 ms (the promotion slack; minimum TTL 1 s), lease TTL
 * 6 s, leadership moved once a checkpoint says at most 3 s are left.
 */
import t, { type Test } from 'tap';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/compare/server.ts';
import type { MemberRecord } from '../../actors/member/member-info.ts';
import type { MemberOptions } from '../../actors/member/start-member.ts';
import type { RaftActorStatus } from '../../actors/raft/raft-actor.ts';
import type { LeaseMemberReply, LeaseMemberRequest } from './fixtures/lease-member.ts';

const TTL_SECONDS = 6;
const CHECKPOINT_INTERVAL_MS = 1_000;
const ELECTION_TIMEOUT_MS = 500;
/** Move leadership once the committed remainder is at most this. */
const REMAINING_AT_CHANGE_SECONDS = 3;
const POLL_INTERVAL_MS = 50;
const MAX_POLLS = 600;
/** Each member loads TypeScript and starts a worker: slow on a busy 2-core machine. */
const START_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 40_000;
const memberScript = new URL('./fixtures/lease-member.ts', import.meta.url).pathname;

t.setTimeout(240_000);

/** One member process and its request channel. */
class ChildMember {
  private nextSeq = 1;
  private readonly pending = new Map<number, (reply: LeaseMemberReply) => void>();

  private constructor(
    readonly memberId: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: LeaseMemberReply) => {
      this.pending.get(message.seq)?.(message);
      this.pending.delete(message.seq);
    });
  }

  static async start(options: MemberOptions): Promise<ChildMember> {
    const child = fork(memberScript, [JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`member ${options.memberId} exited with ${code} before it was ready`)));
    });
    try {
      await withTimeout(ready, START_TIMEOUT_MS, `member ${options.memberId} to start`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return new ChildMember(options.memberId, child);
  }

  async request<T>(request: LeaseMemberRequest): Promise<T> {
    const seq = this.nextSeq++;
    const answered = new Promise<LeaseMemberReply>((resolve) => this.pending.set(seq, resolve));
    this.child.send({ seq, ...request });
    const reply = await withTimeout(answered, REQUEST_TIMEOUT_MS, `member ${this.memberId} to answer ${request.op}`);
    if (!reply.ok) throw new Error(`member ${this.memberId}, ${request.op}: ${reply.error}`);
    return reply.value as T;
  }

  /** Disconnecting tells the member to stop; resolves once its process exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await withTimeout(exited, START_TIMEOUT_MS, `member ${this.memberId} to exit`).catch((error: unknown) => {
      this.child.kill('SIGKILL');
      throw error;
    });
  }
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function startCluster(t: Test): Promise<ChildMember[]> {
  const ids = [1, 2, 3];
  const ports = [await freePort(), await freePort(), await freePort()];
  const records: MemberRecord[] = ids.map((id, i) => ({ id, name: `m${id}`, peerUrls: [`http://127.0.0.1:${ports[i]}`], clientUrls: [], isLearner: false }));
  const dirs = await Promise.all(ids.map(() => mkdtemp(join(tmpdir(), 'conclave-lease-checkpoint-'))));
  const members: ChildMember[] = [];
  // Members first, then their directories: a member must not lose its files while it stops.
  t.teardown(async () => {
    await Promise.all(members.map((member) => member.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const options = records.map(
    (record, i): MemberOptions => ({
      dataDir: dirs[i]!,
      memberId: record.id,
      clusterId: 7,
      voters: ids,
      heartbeatIntervalMs: 50,
      electionTimeoutMs: ELECTION_TIMEOUT_MS,
      preVote: true,
      placement: 'one-worker',
      watchProgressIntervalMs: 60_000,
      snapshotCountEntries: 100_000,
      initialMembers: records,
      leaseCheckpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      peer: {
        listen: [{ host: '127.0.0.1', port: ports[i]! }],
        peers: records.filter((other) => other.id !== record.id).map(({ id, peerUrls }) => ({ id, peerUrls })),
        tls: null,
      },
    }),
  );
  const started = await Promise.allSettled(options.map((memberOptions) => ChildMember.start(memberOptions)));
  for (const result of started) if (result.status === 'fulfilled') members.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return members;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));

/** Elections are announced to no one outside the members: this polls (bounded) until all agree. */
async function awaitLeader(members: readonly ChildMember[]): Promise<ChildMember> {
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const statuses = await Promise.all(members.map((member) => member.request<RaftActorStatus>({ op: 'status' })));
    const leaderId = statuses[0]!.leader;
    const leader = members.find((member) => member.memberId === leaderId);
    if (leader && statuses.every((status) => status.leader === leaderId)) return leader;
    await pause();
  }
  throw new Error('the members did not agree on a leader');
}

/** Checkpoints are periodic: polls (bounded) until `follower` applied one at or below `seconds`. */
async function awaitCheckpointAtMost(follower: ChildMember, leaseId: number, seconds: number): Promise<number> {
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const remaining = await follower.request<number>({ op: 'time-to-live', leaseId, local: true });
    if (remaining <= seconds) return remaining;
    await pause();
  }
  throw new Error(`member ${follower.memberId} applied no checkpoint of lease ${leaseId} at or below ${seconds} s`);
}

/** A lease of TTL_SECONDS granted on `leader` with `key` attached; `goneAt` resolves when `watcher` sees the key deleted. */
async function leaseWithKey(leader: ChildMember, watcher: ChildMember, key: string) {
  const grantAskedAt = Date.now();
  const { id } = await leader.request<{ id: number }>({ op: 'grant', ttlSeconds: TTL_SECONDS });
  const revision = await leader.request<number>({ op: 'put', key, leaseId: id });
  const goneAt = watcher.request<number>({ op: 'deleted-at', key, fromRevision: revision + 1 });
  return { id, grantAskedAt, goneAt };
}

async function moveLeadership(from: ChildMember, to: ChildMember): Promise<number> {
  await from.request({ op: 'transfer-leader', to: to.memberId });
  return Date.now();
}

const members = await startCluster(t);

t.test('after a leader change, a lease nobody keeps alive goes when it was due, not a whole TTL later', async (t) => {
  const leader = await awaitLeader(members);
  const next = members.find((member) => member !== leader)!;
  const lease = await leaseWithKey(leader, next, 'idle');
  const remaining = await awaitCheckpointAtMost(next, lease.id, REMAINING_AT_CHANGE_SECONDS);
  const movedAt = await moveLeadership(leader, next);

  for (const member of members) {
    const ttlSeconds = await member.request<number>({ op: 'time-to-live', leaseId: lease.id, local: false });
    t.ok(ttlSeconds <= remaining, `member ${member.memberId} reports ${ttlSeconds} s left (checkpoint ${remaining} s), not the full ${TTL_SECONDS} s`);
  }
  const goneAt = await lease.goneAt;
  const afterChangeMs = goneAt - movedAt;
  // From the checkpoint: ~remaining + election slack; from the full TTL it would be ~TTL + slack.
  const boundMs = ((remaining + TTL_SECONDS) / 2) * 1000 + ELECTION_TIMEOUT_MS;
  t.ok(afterChangeMs < boundMs, `expired ${afterChangeMs} ms after the change (from the ${remaining} s checkpoint; bound ${boundMs} ms)`);
  t.ok(goneAt - lease.grantAskedAt >= TTL_SECONDS * 1000, `never before its ${TTL_SECONDS} s (${goneAt - lease.grantAskedAt} ms after the grant)`);
});

t.test('a keep-alive answered just before a leader change holds: the new leader does not arm from an older checkpoint', async (t) => {
  const leader = await awaitLeader(members);
  const next = members.find((member) => member !== leader)!;
  const lease = await leaseWithKey(leader, next, 'renewed');
  await awaitCheckpointAtMost(next, lease.id, REMAINING_AT_CHANGE_SECONDS);

  const keepAliveAskedAt = Date.now();
  t.equal(await leader.request<number>({ op: 'keep-alive', leaseId: lease.id }), TTL_SECONDS, 'the keep-alive promises the full TTL');
  await moveLeadership(leader, next);

  const goneAt = await lease.goneAt;
  const afterKeepAliveMs = goneAt - keepAliveAskedAt;
  t.ok(afterKeepAliveMs >= TTL_SECONDS * 1000, `expired ${afterKeepAliveMs} ms after the keep-alive that promised ${TTL_SECONDS} s`);
  t.ok(afterKeepAliveMs < (TTL_SECONDS + 3) * 1000, 'and it does expire');
});
