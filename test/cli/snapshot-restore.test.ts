/**
 * `conclave snapshot status|restore` on a file `snapshot save` wrote from a
 * served member: status's table and JSON; restore → `conclave serve` (its
 * own flag parser and serve(), in process) brings back the keys with their
 * revisions, a lease with its key, and the compaction; three members
 * restored from one file form a new cluster; damaged, foreign and
 * hash-less files and a used data directory are refused.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import { clusterIdOf, memberIdOf } from '../../actors/member/member-identity.ts';
import { MemberProcess } from '../../src/cli/local-cluster/member-process.ts';
import { programCommand } from '../../src/cli/local-cluster/programs.ts';
import { runClientCommand, type CommandIo } from '../../src/cli/commands/index.ts';
import type { ProgressStream } from '../../src/cli/commands/progress.ts';
import { connect, type ConclaveClient } from '../../src/client/index.ts';
import { startTestServer } from '../server/helpers.ts';

type Teardown = { teardown(fn: () => unknown): void };

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString());

/** Output captured line by line; `progress` is what a terminal (or a pipe) would have received. */
function capture(progress?: ProgressStream) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = {
    out: (line) => void stdout.push(...line.split('\n')),
    err: (line) => void stderr.push(line),
    readStdin: async () => '',
    signal: new AbortController().signal,
    ...(progress && { progress }),
  };
  return { io, stdout, stderr };
}

async function conclave(args: string[], progress?: ProgressStream) {
  const [name, ...rest] = args;
  const captured = capture(progress);
  const code = await runClientCommand(name!, rest, captured.io);
  return { code, stdout: captured.stdout, stderr: captured.stderr };
}

function fakeTerminal(isTTY: boolean): ProgressStream & { readonly written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (chunk: string) => written.push(chunk) };
}

async function tempDir(t: Teardown, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface MemberUrls {
  readonly name: string;
  readonly peer: string;
  readonly client: string;
}

async function memberUrls(name: string): Promise<MemberUrls> {
  return { name, peer: `http://127.0.0.1:${await freePort()}`, client: `http://127.0.0.1:${await freePort()}` };
}

const initialCluster = (members: readonly MemberUrls[]) => members.map(({ name, peer }) => `${name}=${peer}`).join(',');

/**
 * `conclave serve` in its own process (one actor runtime per thread: the
 * source member already runs in this one), and a client of it.
 */
async function serveMember(t: Teardown, dataDir: string, self: MemberUrls, all: readonly MemberUrls[]): Promise<ConclaveClient> {
  const flags = [
    '--name', self.name, '--data-dir', dataDir,
    '--listen-client-urls', self.client, '--advertise-client-urls', self.client,
    '--listen-peer-urls', self.peer, '--initial-advertise-peer-urls', self.peer,
    '--initial-cluster', initialCluster(all),
    '--heartbeat-interval', '20', '--election-timeout', '200',
  ];
  const member = await MemberProcess.spawn(self.name, programCommand('conclave', ''), flags);
  t.teardown(() => member.terminate(10_000));
  await member.waitReady(60_000);
  const client = await connect({ endpoints: [self.client.replace('http://', '')] });
  t.teardown(() => client.close());
  return client;
}

const restoreArgs = (file: string, dataDir: string, self: MemberUrls, all: readonly MemberUrls[]) => [
  'snapshot', 'restore', file, '--data-dir', dataDir, '--name', self.name, '--initial-cluster', initialCluster(all), '--initial-advertise-peer-urls', self.peer,
];

t.test('snapshot status and restore', async (t) => {
  const source = await startTestServer(t);
  const { db } = source;
  const lease = await db.lease.grant(600);
  await db.put('r/a', 'one');
  await db.put('r/b', 'two');
  await db.put('r/a', 'uno');
  await db.put('r/leased', 'held', { lease: lease.id });
  await db.delete('r/b');
  const compactedAt = (await db.put('r/c', 'three')).revision;
  await db.compact(compactedAt);
  const savedA = (await db.get('r/a'))!;
  const savedStatus = await db.status();

  const work = await tempDir(t, 'conclave-restore-');
  const file = join(work, 'saved.db');
  const terminal = fakeTerminal(true);
  const saved = await conclave(['snapshot', 'save', file, `--endpoints=${source.endpoint}`], terminal);
  t.same(saved, { code: 0, stdout: [`Snapshot saved at ${file}`], stderr: [] }, 'saved');
  const fileBytes = await readFile(file);
  t.match(terminal.written.join(''), new RegExp(`saving \\[[#.]+\\] +\\d+% +\\d+ B / ${fileBytes.length} B`), 'save drew its progress bar against the whole file (the first chunk tells the total) on a terminal');

  t.test('status: table by default, JSON with -w json', async (t) => {
    const json = await conclave(['snapshot', 'status', file, '-w', 'json']);
    t.equal(json.code, 0);
    const status = JSON.parse(json.stdout.join('\n')) as { hash: number; revision: number; totalKey: number; totalSize: number };
    const body = fileBytes.subarray(0, fileBytes.length - 32);
    t.same(status, { hash: crc32(body), revision: savedStatus.revision, totalKey: status.totalKey, totalSize: body.length }, 'hash is the body CRC32, revision the saved one, size the body');
    // After the compaction the store keeps r/a@4, r/leased@5 and r/c@7 (r/b's tombstone went with it); plus 1 lease and 1 member.
    t.equal(status.totalKey, 5, 'every row counted: revisions, leases, members');
    const table = await conclave(['snapshot', 'status', file]);
    t.equal(table.code, 0);
    t.match(table.stdout[1], /^\|\s+HASH\s+\|\s+REVISION\s+\|\s+TOTAL KEYS\s+\|\s+TOTAL SIZE\s+\|$/, 'the header row');
    const cells = table.stdout[3]!.split('|').map((cell) => cell.trim()).filter((cell) => cell !== '');
    t.same(cells.slice(0, 3), [status.hash.toString(16), String(status.revision), String(status.totalKey)], 'the table shows the same figures');
    t.same((await conclave(['snapshot', 'status', file, '-w', 'simple'])).stdout, [cells.join(', ')], '-w simple is etcdctl\'s comma line');
  });

  t.test('restore, then serve: data, revisions, lease and compaction are back, in a new cluster', async (t) => {
    const self = await memberUrls('restored');
    const dataDir = join(await tempDir(t, 'conclave-restored-'), 'member');
    const piped = fakeTerminal(false);
    const restored = await conclave(restoreArgs(file, dataDir, self, [self]), piped);
    t.equal(restored.code, 0, restored.stderr.join('\n'));
    t.match(restored.stdout, [/^Restored snapshot .* into .*: member [0-9a-f]+ \("restored"\) of new cluster [0-9a-f]+, revision \d+$/]);
    t.same(piped.written, [], 'no progress drawn on a stream that is not a terminal');

    const member = await serveMember(t, dataDir, self, [self]);
    const a = (await member.get('r/a'))!;
    t.equal(text(a.value), 'uno');
    t.same([a.createRevision, a.modRevision, a.version], [savedA.createRevision, savedA.modRevision, savedA.version], 'create/mod revision and version as saved');
    t.equal(await member.get('r/b'), null, 'the deleted key stays deleted');
    const status = await member.status();
    t.equal(status.revision, savedStatus.revision, 'the store revision as saved');
    t.equal(status.compactRevision, compactedAt, 'the compaction as saved');
    await t.rejects(member.get('r/a', { revision: compactedAt - 1 }), /compacted/, 'reads below the compaction are refused');
    const ttl = await member.lease.timeToLive(lease.id, { keys: true });
    t.equal(ttl.grantedTtlSeconds, 600, 'the lease is back');
    t.same(ttl.keys.map(text), ['r/leased'], 'with its key');
    t.not(status.clusterId, savedStatus.clusterId, 'a new cluster');
    const memberId = memberIdOf([self.peer], 'etcd-cluster');
    t.same([status.memberId, status.clusterId], [memberId, clusterIdOf([memberId], 'etcd-cluster')], 'with the IDs a fresh bootstrap with these flags derives');
    t.same((await member.cluster.members()).map((row) => [row.name, row.peerUrls]), [['restored', [self.peer]]], 'the membership is the command line\'s');
    t.equal((await member.put('r/new', 'after')).revision, savedStatus.revision + 1, 'writes continue from the saved revision');
  });

  t.test('three members restored from one file form a cluster', async (t) => {
    const members = await Promise.all(['m1', 'm2', 'm3'].map(memberUrls));
    const root = await tempDir(t, 'conclave-restored3-');
    const terminal = fakeTerminal(true);
    for (const self of members) {
      const restored = await conclave(restoreArgs(file, join(root, self.name), self, members), self.name === 'm1' ? terminal : undefined);
      t.equal(restored.code, 0, restored.stderr.join('\n'));
    }
    t.match(terminal.written.join(''), /restoring \[#+\] 100%/, 'restore drew its progress on a terminal');
    t.match(terminal.written.at(-1), '\r\x1b[2K', 'and cleared it before printing');
    const served = await Promise.all(members.map((self) => serveMember(t, join(root, self.name), self, members)));
    const clusterIds = new Set(await Promise.all(served.map(async (member) => (await member.status()).clusterId)));
    t.equal(clusterIds.size, 1, 'one cluster');
    t.same((await served[0]!.cluster.members()).map((row) => row.name).sort(), ['m1', 'm2', 'm3']);
    const written = await served[0]!.put('r/cluster', 'yes');
    t.equal(written.revision, savedStatus.revision + 1, 'the cluster continues from the saved revision');
    for (const member of served) {
      t.equal(text((await member.get('r/cluster'))?.value), 'yes', 'a write reaches every member');
      t.equal((await member.get('r/a'))!.modRevision, savedA.modRevision, 'every member holds the saved data');
    }
  });

  t.test('refusals', async (t) => {
    const self = await memberUrls('default');
    const root = await tempDir(t, 'conclave-refused-');
    const restoreInto = (source: string, dir: string, ...extra: string[]) => conclave([...restoreArgs(source, join(root, dir), self, [self]), ...extra]);

    const flipped = Buffer.from(fileBytes);
    flipped[Math.floor(flipped.length / 3)]! ^= 0x01;
    await writeFile(join(root, 'flipped.db'), flipped);
    const corrupt = await restoreInto(join(root, 'flipped.db'), 'corrupt');
    t.equal(corrupt.code, 1);
    t.match(corrupt.stderr, [/^Error: snapshot file integrity check failed: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}$/], 'a flipped byte fails the SHA-256');
    const skipped = await restoreInto(join(root, 'flipped.db'), 'corrupt-skipped', '--skip-hash-check');
    t.match(skipped.stderr, [/^Error: snapshot file integrity check failed: /], 'without the SHA-256, the state\'s own checksums still catch it');
    t.match((await conclave(['snapshot', 'status', join(root, 'flipped.db')])).stderr, [/integrity check failed/], 'status refuses it too');

    await writeFile(join(root, 'bare.db'), fileBytes.subarray(0, fileBytes.length - 32));
    t.same((await restoreInto(join(root, 'bare.db'), 'bare')).stderr, ['Error: snapshot missing hash but --skip-hash-check=false'], 'a file without the hash is refused');
    t.equal((await restoreInto(join(root, 'bare.db'), 'bare-skipped', '--skip-hash-check')).code, 0, 'and taken with --skip-hash-check');
    t.ok((await readdir(join(root, 'bare-skipped'))).includes('conclave-member.json'), 'the data directory was written');

    const foreign = Buffer.alloc(1024, 7);
    await writeFile(join(root, 'foreign.db'), Buffer.concat([foreign, createHash('sha256').update(foreign).digest()]));
    t.match((await restoreInto(join(root, 'foreign.db'), 'foreign')).stderr, [/^Error: .*foreign\.db: not a Conclave snapshot file$/], 'a file that is not a Conclave snapshot');

    await mkdir(join(root, 'used'));
    await writeFile(join(root, 'used', 'keep'), 'mine');
    t.same((await restoreInto(file, 'used')).stderr, [`Error: data-dir "${join(root, 'used')}" exists and is not empty`], 'a non-empty data dir is refused');
    t.same(await readdir(join(root, 'used')), ['keep'], 'and left as it was');
    await mkdir(join(root, 'empty'));
    t.equal((await restoreInto(file, 'empty')).code, 0, 'an empty one is taken');

    const mismatch = await conclave(['snapshot', 'restore', file, '--data-dir', join(root, 'mismatch'), '--initial-cluster', `default=${self.peer}`, '--initial-advertise-peer-urls', 'http://127.0.0.1:1']);
    t.match(mismatch.stderr, [/^Error: --initial-cluster has default=http:\/\/127\.0\.0\.1:\d+ but missing from --initial-advertise-peer-urls=http:\/\/127\.0\.0\.1:1$/], 'advertised peer URLs must be the member\'s in --initial-cluster');
    const failures = [corrupt, skipped].map((run) => run.code);
    t.same(failures, [1, 1]);
    t.same((await readdir(root)).filter((name) => name.startsWith('.') || ['corrupt', 'corrupt-skipped', 'bare', 'foreign', 'mismatch'].includes(name)), [], 'refused restores leave no directory behind');
  });
});
