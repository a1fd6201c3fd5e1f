import t from 'tap';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { EtcdConnection } from '../../src/bench/connection.ts';
import { etcdMethods } from '../../src/proto/load.ts';
import { failoverMain } from '../../bench/failover/cli.ts';
import { agreedLeader } from '../../bench/failover/leader.ts';
import { parseFailoverArgs } from '../../bench/failover/options.ts';
import { PutTrickle } from '../../bench/failover/put-trickle.ts';
import { formatSummaryTable, spread } from '../../bench/failover/summary.ts';
import type { RoundResult } from '../../bench/failover/round.ts';
import { etcdMissing } from './etcd-fixture.ts';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } },
    out: () => out,
    err: () => err,
  };
}

t.test('the trickle counts only a put sent after the mark', async (t) => {
  // Puts 0..2 are held until released; later puts answer at once.
  const held: (() => void)[] = [];
  let sent = 0;
  const trickle = new PutTrickle(
    (seq) => {
      sent++;
      return seq < 3 ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve();
    },
    1,
    100,
  );
  t.teardown(() => trickle.stop());
  trickle.start();
  while (sent < 3) await new Promise((resolve) => setImmediate(resolve));
  const markMs = performance.now();
  const waiting = trickle.ackOfPutSentAfter(markMs, 5_000);
  for (const release of held) release();
  const ack = await waiting;
  t.ok(ack.sentMs >= markMs, 'the puts released after the mark were sent before it: they do not count');
  t.ok(ack.ackMs >= ack.sentMs);
  t.ok(trickle.counts.acked >= 4);
});

t.test('the trickle bounds what is in flight, counts failures and times out with the last error', async (t) => {
  const never = new PutTrickle(() => new Promise(() => {}), 1, 2);
  t.teardown(() => never.stop());
  never.start();
  // Ticks come from a 1 ms interval; on a loaded machine they may be late, so wait for them (bounded).
  for (let waits = 0; never.counts.skipped < 3 && waits < 5_000; waits++) await new Promise((resolve) => setTimeout(resolve, 1));
  t.ok(never.counts.skipped >= 3, 'ticks past the bound are skipped, not queued');
  t.equal(never.counts.sent, 2, 'never more than inFlightMax puts waiting');
  await t.rejects(never.ackOfPutSentAfter(0, 30), /no put sent after the mark was acknowledged within 30 ms/);

  const failing = new PutTrickle(() => Promise.reject(new Error('etcdserver: no leader')), 1, 10);
  failing.start();
  await t.rejects(failing.ackOfPutSentAfter(0, 30), /within 30 ms \(last error: etcdserver: no leader\)/);
  t.ok(failing.counts.failed >= 1);
  const pending = failing.ackOfPutSentAfter(0, 10_000);
  failing.stop();
  await t.rejects(pending, /stopped/, 'stop() releases a waiter at once');
  t.throws(() => failing.start(), /already started or stopped/);
  t.throws(() => new PutTrickle(async () => {}, 0, 1), /interval/);
});

t.test('a call can carry a shorter deadline than the default, and only a shorter one', async (t) => {
  // A server that accepts connections and never answers: only the deadline ends the call.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const conn = new EtcdConnection({ host: '127.0.0.1', port: address.port });
  t.teardown(async () => {
    conn.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
    await once(silent, 'close');
  });
  const startMs = performance.now();
  await t.rejects(conn.unary(etcdMethods.status, {}, 200), /DEADLINE_EXCEEDED|Deadline exceeded/);
  const waitedMs = performance.now() - startMs;
  t.ok(waitedMs >= 150 && waitedMs < 10_000, `ended by the 200 ms deadline (${Math.round(waitedMs)} ms)`);
  t.throws(() => conn.unary(etcdMethods.status, {}, 0), /call timeout must be in \(0, 30000\] ms, got 0/);
  t.throws(() => conn.unary(etcdMethods.status, {}, 60_000), /got 60000/);
});

t.test('a leader counts only when every member names the same one of them', async (t) => {
  const members = [
    { name: 'm1', endpoint: 'a:1' },
    { name: 'm2', endpoint: 'b:1' },
    { name: 'm3', endpoint: 'c:1' },
  ];
  const says = (leaderId: string) => ['11', '22', '33'].map((memberId) => ({ memberId, leaderId }));
  t.equal(agreedLeader(members, says('22')), 'm2');
  t.equal(agreedLeader(members, says('0')), null, 'no leader');
  t.equal(agreedLeader(members, says('44')), null, 'a leader that is none of them (still the killed one)');
  t.equal(agreedLeader(members, [...says('22').slice(0, 2), { memberId: '33', leaderId: '11' }]), null, 'disagreement');
  t.equal(agreedLeader(members, [...says('22').slice(0, 2), null]), null, 'a member that did not answer');
  t.throws(() => agreedLeader(members, []), /0 answers for 3 members/);
});

t.test('spread and summary: min/median/max and the ratio of medians', async (t) => {
  t.same(spread([5, 1, 3]), { min: 1, median: 3, max: 5 });
  t.same(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4 });
  t.throws(() => spread([]), /no values/);
  const rounds = (ms: number[]): RoundResult[] => ms.map((failoverMs, i) => ({ round: i + 1, killedLeader: 'm1', newLeader: 'm2', failoverMs, failedPuts: 0, lastPutError: null, loadAverage: '0.10 0.20 0.30' }));
  const table = formatSummaryTable([
    { target: 'etcd', rounds: rounds([1000, 1200, 1100]), failure: null },
    { target: 'conclave', rounds: rounds([500, 600]).map((r) => ({ ...r, failedPuts: 7, lastPutError: 'no leader' })), failure: 'round 3 failed: boom' },
  ]);
  t.match(table, /\| etcd \| 3 \| 1000\.0 \| 1100\.0 \| 1200\.0 \| {2}\|/);
  t.match(table, /\| conclave \| 2 \| 500\.0 \| 550\.0 \| 600\.0 \| 0\.50x \|/);
  t.match(table, /- conclave: round 3 failed: boom\n- conclave: a put failed with: no leader$/, 'each distinct put error once');
});

t.test('failover flags', async (t) => {
  const parsed = parseFailoverArgs(['--targets', 'etcd', '--rounds', '3', '--heartbeat-interval', '50', '--election-timeout', '500']);
  if (parsed.help) throw new Error('unexpected help');
  t.same(parsed.options, { targets: ['etcd'], rounds: 3, heartbeatIntervalMs: 50, electionTimeoutMs: 500, preVote: true, putIntervalMs: 5, failoverTimeoutMs: 30_000, etcdBinary: '/usr/bin/etcd', json: false });
  t.throws(() => parseFailoverArgs(['--heartbeat-interval', '300']), /--election-timeout 1000 must be at least 5 x --heartbeat-interval 300/);
  t.throws(() => parseFailoverArgs(['--rounds', '0']), /--rounds '0' must be a whole number in 1\.\.100/);
  const withoutPreVote = parseFailoverArgs(['--pre-vote', 'false']);
  t.equal(!withoutPreVote.help && withoutPreVote.options.preVote, false, '--pre-vote false reaches both targets');
  t.throws(() => parseFailoverArgs(['--pre-vote', 'maybe']), /--pre-vote 'maybe' must be true or false/);
  const { io, err } = capture();
  t.equal(await failoverMain(['--targets', 'zk'], io), 2);
  t.match(err(), /unknown target 'zk'/);
});

t.test('a target that cannot run is reported and fails the run', async (t) => {
  const { io, out } = capture();
  t.equal(await failoverMain(['--targets', 'etcd', '--etcd-binary', '/nonexistent/etcd'], io), 1);
  t.match(out(), /- etcd: not measured: etcd is not installed/);
});

t.test('real etcd: kill -9 of the leader, the next acknowledged put, the member back', { skip: etcdMissing }, async (t) => {
  const { io, out, err } = capture();
  const code = await failoverMain(['--targets', 'etcd', '--rounds', '2', '--heartbeat-interval', '50', '--election-timeout', '500', '--json'], io);
  t.equal(code, 0, err());
  const report = JSON.parse(out()) as { machine: string; results: { target: string; failure: string | null; rounds: RoundResult[] }[] };
  t.match(report.machine, /cores .*load average/);
  const rounds = report.results[0]?.rounds ?? [];
  t.equal(rounds.length, 2);
  for (const round of rounds) {
    t.not(round.newLeader, round.killedLeader, `round ${round.round}: a survivor leads`);
    // A new leader needs an election timeout without heartbeats, counted from the last one (≤ 50 ms before the kill).
    t.ok(round.failoverMs >= 450 && round.failoverMs < 30_000, `round ${round.round}: ${round.failoverMs} ms`);
  }
});
