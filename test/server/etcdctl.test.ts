import t from 'tap';
import { spawn } from 'node:child_process';
import { etcdctl, etcdctlMissing, etcdctlPath, startTestServer } from './helpers.ts';

const skip = etcdctlMissing;
const served = skip ? null : await startTestServer(t);
const endpoint = served?.endpoint ?? '';
const run = (...args: string[]) => etcdctl(endpoint, args);

t.test('put, get --prefix -w json, del', { skip, timeout: 120_000 }, async (t) => {
  t.match(await run('put', 'ctl/a', 'alpha'), { code: 0, stdout: 'OK\n' });
  t.match(await run('put', 'ctl/b', 'beta'), { code: 0 });
  const got = await run('get', 'ctl/', '--prefix', '-w', 'json');
  t.equal(got.code, 0, got.stderr);
  const json = JSON.parse(got.stdout) as {
    header: { cluster_id: number; member_id: number; revision: number; raft_term: number };
    kvs: Array<{ key: string; value: string; version: number }>;
    count: number;
  };
  t.equal(json.count, 2);
  t.same(json.kvs.map((kv) => [Buffer.from(kv.key, 'base64').toString(), Buffer.from(kv.value, 'base64').toString(), kv.version]), [
    ['ctl/a', 'alpha', 1],
    ['ctl/b', 'beta', 1],
  ]);
  t.ok(json.header.cluster_id > 0 && json.header.member_id > 0 && json.header.raft_term >= 1 && json.header.revision >= 3, 'header fields');
  t.match(await run('del', 'ctl/a'), { code: 0, stdout: '1\n' });
  t.match(await run('get', 'ctl/a'), { code: 0, stdout: '' });
});

t.test('txn from stdin', { skip, timeout: 120_000 }, async (t) => {
  await run('put', 'ctl/txn', '1');
  const script = 'value("ctl/txn") = "1"\n\nput ctl/txn "2"\n\nput ctl/else "x"\n\n';
  const result = await etcdctl(endpoint, ['txn'], { input: script });
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'SUCCESS\n\nOK\n');
  t.match(await run('get', 'ctl/txn', '--print-value-only'), { stdout: '2\n' });
});

t.test('watch --rev replays history with prev_kv (bounded: killed after the events)', { skip, timeout: 120_000 }, async (t) => {
  const first = JSON.parse((await run('put', 'ctl/w', 'one', '-w', 'json')).stdout) as { header: { revision: number } };
  await run('put', 'ctl/w', 'two');
  const watcher = spawn(etcdctlPath, ['--endpoints', endpoint, 'watch', 'ctl/w', `--rev=${first.header.revision}`, '--prev-kv'], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  t.teardown(() => void watcher.kill('SIGKILL'));
  let output = '';
  const expected = 'PUT\nctl/w\none\nPUT\nctl/w\none\nctl/w\ntwo\n';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`watch output so far: ${JSON.stringify(output)}`)), 60_000);
    watcher.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length >= expected.length) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  watcher.kill('SIGTERM');
  t.equal(output, expected, 'the second event carries the previous value');
});

t.test('lease grant, timetolive --keys, revoke', { skip, timeout: 120_000 }, async (t) => {
  const granted = await run('lease', 'grant', '100');
  const id = /lease ([0-9a-f]+) granted with TTL\(100s\)/.exec(granted.stdout)?.[1];
  t.ok(id, granted.stdout + granted.stderr);
  t.match(await run('put', 'ctl/leased', 'v', `--lease=${id}`), { code: 0 });
  const ttl = await run('lease', 'timetolive', id!, '--keys');
  t.match(ttl.stdout, new RegExp(`lease ${id} granted with TTL\\(100s\\), remaining\\(\\d+s\\), attached keys\\(\\[ctl/leased\\]\\)`));
  t.match(await run('lease', 'revoke', id!), { code: 0, stdout: `lease ${id} revoked\n` });
  t.match(await run('get', 'ctl/leased'), { stdout: '' });
  t.match(await run('lease', 'timetolive', id!), { stdout: `lease ${id} already expired\n` });
  const unknown = await run('lease', 'revoke', 'abcdef');
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /etcdserver: requested lease not found/);
});

t.test('member list, endpoint status and health', { skip, timeout: 120_000 }, async (t) => {
  const memberHex = served!.server.memberId.toString(16);
  t.match(await run('member', 'list'), { code: 0, stdout: `${memberHex}, started, test-member, http://127.0.0.1:2380, http://127.0.0.1:2379, false\n` });
  const statusJson = JSON.parse((await run('endpoint', 'status', '-w', 'json')).stdout) as Array<{ Status: { version: string; leader: number } }>;
  t.equal(statusJson[0]?.Status.version, '3.4.0');
  t.equal(statusJson[0]?.Status.leader, served!.server.memberId);
  t.match(await run('endpoint', 'health'), { code: 0, stderr: new RegExp(`${endpoint} is healthy: successfully committed proposal`) });
});

t.test('compaction, then a compacted read and an empty key are refused with etcd\'s messages', { skip, timeout: 120_000 }, async (t) => {
  const first = JSON.parse((await run('put', 'ctl/c', '1', '-w', 'json')).stdout) as { header: { revision: number } };
  const latest = JSON.parse((await run('put', 'ctl/c', '2', '-w', 'json')).stdout) as { header: { revision: number } };
  t.match(await run('compaction', String(latest.header.revision)), { code: 0, stdout: `compacted revision ${latest.header.revision}\n` });
  const old = await run('get', 'ctl/c', `--rev=${first.header.revision}`);
  t.not(old.code, 0);
  t.match(old.stderr, /etcdserver: mvcc: required revision has been compacted/);
  const empty = await run('put', '', 'v');
  t.not(empty.code, 0);
  t.match(empty.stderr, /etcdserver: key is not provided/);
});
