import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/compare/server.ts';
import { etcd3Client } from './helpers.ts';

const entry = fileURLToPath(new URL('../../src/cli/conclave.js', import.meta.url));

interface Run {
  readonly child: ReturnType<typeof spawn>;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once the output contains `text`; bounded. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

function conclave(t: Parameters<typeof etcd3Client>[0], args: readonly string[], cwd: string): Run {
  const child = spawn(process.execPath, [entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    child.emit('output');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    child,
    output: () => output,
    exited,
    waitFor: async (text, timeoutMs = 90_000) => {
      const signal = AbortSignal.timeout(timeoutMs);
      while (!output.includes(text)) {
        if (child.exitCode !== null) throw new Error(`conclave exited (${child.exitCode}) before printing "${text}":\n${output}`);
        await Promise.race([once(child, 'output', { signal }), once(child, 'exit', { signal })]);
      }
    },
  };
}

async function tempDir(t: Parameters<typeof etcd3Client>[0]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('conclave serve: lifecycle lines, serves etcd clients, exits 0 on SIGTERM', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const run = conclave(
    t,
    ['serve', '--name', 'cli-member', '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--heartbeat-interval', '20', '--election-timeout', '200'],
    dir,
  );
  await run.waitFor('ready to serve client requests');
  t.match(run.output(), /published local member to cluster/);
  t.ok(run.output().indexOf('published local member to cluster') < run.output().indexOf('ready to serve client requests'), 'published, then ready');
  const client = etcd3Client(t, `127.0.0.1:${port}`);
  await client.put('cli/k').value('v');
  t.equal(await client.get('cli/k').string(), 'v');
  t.same(await (await fetch(`${url}/health`)).json(), { health: 'true' });
  t.same((await client.cluster.memberList({})).members.map((member) => [member.name, member.clientURLs]), [['cli-member', [url]]]);
  t.ok((await readdir(join(dir, 'cli-member.conclave'))).length > 0, 'data in ${name}.conclave by default');
  client.close();
  run.child.kill('SIGTERM');
  t.equal(await run.exited, 0, 'clean exit');
  t.match(run.output(), /received SIGTERM, shutting down/);
});

t.test('conclave serve refuses bad TLS set-ups, with what to change', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const https = conclave(t, ['serve', '--listen-client-urls', 'https://127.0.0.1:23799', '--advertise-client-urls', 'https://127.0.0.1:23799'], dir);
  t.equal(await https.exited, 1);
  t.match(https.output(), /TLS key\/cert \(--cert-file, --key-file\) must be provided for client url https:\/\/127\.0\.0\.1:23799 with HTTPS scheme/);
  const securePeers = conclave(t, ['serve', '--listen-peer-urls', 'https://127.0.0.1:23800', '--initial-advertise-peer-urls', 'https://127.0.0.1:23800'], dir);
  t.equal(await securePeers.exited, 1);
  t.match(securePeers.output(), /https peer URLs need --peer-cert-file and --peer-key-file \(or --peer-auto-tls\)/);
  t.same(await readdir(dir), [], 'nothing was created');
});

t.test('conclave serve says which peer address is taken, and exits 1', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => taken.close(resolve)));
  const peerUrl = `http://127.0.0.1:${(taken.address() as AddressInfo).port}`;
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const run = conclave(t, ['serve', '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl], dir);
  t.equal(await run.exited, 1);
  t.match(run.output(), /conclave: cannot listen for peers on 127\.0\.0\.1:\d+ \(--listen-peer-urls\): listen EADDRINUSE/);
});

t.test('a member whose --initial-cluster disagrees with the running cluster refuses to start', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const [peerA, peerB] = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
  const [clientA, clientB] = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
  const member = (name: string, client: string, peer: string) =>
    ['serve', '--name', name, '--data-dir', name, '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--heartbeat-interval', '20', '--election-timeout', '200'];
  const running = conclave(t, member('a', clientA, peerA), dir);
  await running.waitFor('ready to serve client requests');
  const stranger = conclave(t, [...member('b', clientB, peerB), '--initial-cluster', `a=${peerA},b=${peerB}`], dir);
  t.equal(await stranger.exited, 1);
  t.match(stranger.output(), /conclave: member [0-9a-f]+ refused this member: cluster ID [0-9a-f]+ is not this cluster's [0-9a-f]+; --initial-cluster and --initial-cluster-token must be the running cluster's/);
  running.child.kill('SIGTERM');
  t.equal(await running.exited, 0);
});

t.test('conclave serve refuses a data directory of another cluster', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const flags = ['serve', '--name', 'a', '--data-dir', 'member', '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl];
  const first = conclave(t, [...flags, '--heartbeat-interval', '20', '--election-timeout', '200'], dir);
  await first.waitFor('ready to serve client requests');
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0);
  const other = conclave(t, [...flags, '--initial-cluster-token', 'another-cluster'], dir);
  t.equal(await other.exited, 1);
  t.match(other.output(), /data directory member belongs to member [0-9a-f]+ of cluster [0-9a-f]+, but --name a with these peer URLs and token is member/);
});
