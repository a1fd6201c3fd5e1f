import t from 'tap';
import { existsSync } from 'node:fs';
import { startCluster, MemberStartError, type ProcessExit } from '../../src/cli/local-cluster/launcher.ts';
import { memberFlags } from '../../src/cli/local-cluster/member-flags.ts';
import { program, programMissing, timing } from './support/fault-run.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('member flags are etcd 3.4 flags naming every member', async (t) => {
  const a = { name: 'a', dataDir: '/d/a', clientUrl: 'http://127.0.0.1:1', listenPeerUrl: 'http://127.0.0.2:2', advertisePeerUrl: 'http://127.0.0.1:9' };
  const b = { ...a, name: 'b', advertisePeerUrl: 'http://127.0.0.1:8' };
  const flags = memberFlags({ member: a, initialCluster: [a, b], initialClusterState: 'existing', clusterToken: 'tok', timing: { heartbeatIntervalMs: 50, electionTimeoutMs: 500, snapshotCount: 10, extraFlags: ['--x=1'] } });
  t.ok(flags.includes('--initial-cluster=a=http://127.0.0.1:9,b=http://127.0.0.1:8'), 'peers are named by their advertised (proxy) URL');
  t.ok(flags.includes('--listen-peer-urls=http://127.0.0.2:2'), 'the member listens on its own address');
  t.ok(flags.includes('--initial-cluster-state=existing'), 'the state given is passed on');
  t.ok(flags.includes('--snapshot-count=10'), 'a snapshot count is passed on when set');
  t.equal(flags.at(-1), '--x=1', 'extra flags come last, as given');
  t.throws(() => memberFlags({ member: a, initialCluster: [b], initialClusterState: 'new', clusterToken: 'tok', timing: { heartbeatIntervalMs: 50, electionTimeoutMs: 500, snapshotCount: null, extraFlags: [] } }), /own --initial-cluster/);
});

t.test(`${program}: a member that cannot start is reported with its own log lines`, { skip: programMissing }, async (t) => {
  const error = await startCluster({ program, size: 1, heartbeatIntervalMs: 100, electionTimeoutMs: 200 }).catch((caught: unknown) => caught);
  t.type(error, MemberStartError);
  t.match((error as Error).message, /m1 exited with code 1/, 'names the member and how it ended');
  t.match((error as Error).message, /should be at least as 5 times as --heartbeat-interval/, "includes the member's own explanation");
});

t.test(`${program}: kill, unexpected exit, restart and stop of a member`, { skip: programMissing }, async (t) => {
  const cluster = await startCluster({ program, size: 1, ...timing, stopGraceMs: 2_000 });
  t.teardown(() => cluster.stop());
  const first = cluster.member('m1');
  t.ok(first.pid !== null && alive(first.pid), 'the member runs');
  t.ok(existsSync(first.dataDir), 'in its own data directory');

  const unexpected = new Promise<{ name: string; exit: ProcessExit }>((resolve) => cluster.onUnexpectedExit((name, exit) => resolve({ name, exit })));
  process.kill(first.pid ?? 0, 'SIGKILL');
  const reported = await unexpected;
  t.same({ name: reported.name, signal: reported.exit.signal }, { name: 'm1', signal: 'SIGKILL' }, 'a death the launcher did not cause is reported');
  t.equal(cluster.member('m1').pid, null);

  await cluster.restart('m1');
  const second = cluster.member('m1');
  t.ok(second.pid !== null && second.pid !== first.pid && alive(second.pid), 'restarted as a new process');
  await t.rejects(cluster.restart('m1'), /still running/, 'a running member cannot be restarted');

  await cluster.kill('m1', 'SIGTERM');
  t.equal(cluster.member('m1').pid, null, 'SIGTERM resolves once the member has exited');
  await cluster.restart('m1');
  const third = cluster.member('m1').pid ?? 0;
  await cluster.stop();
  t.notOk(alive(third), 'stop leaves no member running');
  t.notOk(existsSync(cluster.baseDataDir), 'a temporary data dir is removed');
});
