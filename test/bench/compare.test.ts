import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareMain } from '../../bench/compare/cli.ts';
import { scenarioOptions } from '../../bench/compare/compare.ts';
import { findScenario } from '../../bench/compare/scenarios.ts';
import { parseCompareArgs } from '../../bench/compare/options.ts';
import { startServer } from '../../bench/compare/server.ts';
import { makeTarget, parseTargetNames } from '../../bench/compare/targets.ts';
import { etcdMissing } from './etcd-fixture.ts';

function capture(): { io: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s) => ((out += s), true) }, stderr: { write: (s) => ((err += s), true) } },
    out: () => out,
    err: () => err,
  };
}

const leftoverDirs = (name: string): string[] => readdirSync(tmpdir()).filter((entry) => entry.startsWith(`conclave-bench-${name}-`));

/**
 * Runs `work` with os.tmpdir() pointing at a private directory, so the check
 * for leftover data dirs cannot see those of other test files running at once.
 */
async function withPrivateTmpdir<T>(t: Test, work: () => Promise<T>): Promise<T> {
  const saved = process.env['TMPDIR'];
  const privateDir = mkdtempSync(join(tmpdir(), 'conclave-compare-test-'));
  t.teardown(() => rmSync(privateDir, { recursive: true, force: true }));
  process.env['TMPDIR'] = privateDir;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  }
}

t.test('a missing etcd binary says how to install it', async (t) => {
  const target = makeTarget('etcd', { etcdBinary: '/nonexistent/bin/etcd' });
  t.equal(target.unavailableReason(), 'etcd is not installed (no executable at /nonexistent/bin/etcd); install with: apt-get install -y etcd-server');
  t.match(makeTarget('etcd', { etcdBinary: tmpdir() }).unavailableReason(), /not installed/, 'a directory is not an etcd binary');

  const { io, out, err } = capture();
  const code = await compareMain(['--etcd-binary', '/nonexistent/bin/etcd', '--total', '10'], io);
  t.equal(code, 1, 'a requested target that cannot run fails the run');
  t.match(err(), /etcd: not available: .*install with: apt-get install -y etcd-server/);
  t.match(out(), /- etcd: not measured: etcd is not installed/);
});

t.test('a server that exits before it is ready is reported with its output, and leaves nothing behind', async (t) => {
  const before = leftoverDirs('fake');
  await t.rejects(startServer({ name: 'fake', file: '/bin/sh', args: ['-c', 'echo "no such flag: $1" >&2; exit 3', 'sh'] }), {
    name: 'ServerStartError',
    message: /fake exited with code 3 before "ready to serve client requests"\nlast output:\n {2}no such flag: --name=bench/,
  });
  await t.rejects(startServer({ name: 'fake', file: '/nonexistent/server', args: [] }), { message: /could not run \/nonexistent\/server/ });
  t.same(leftoverDirs('fake'), before, 'temporary data dirs removed');
});

t.test('a server that never gets ready is stopped after the wait', async (t) => {
  const before = leftoverDirs('silent');
  await t.rejects(startServer({ name: 'silent', file: '/bin/sh', args: ['-c', 'exec sleep 30', 'sh'] }, 300), {
    message: /silent did not print "ready to serve client requests" within 300 ms/,
  });
  t.same(leftoverDirs('silent'), before);
});

t.test('compare flags', async (t) => {
  const parsed = parseCompareArgs(['--targets', 'etcd,conclave', '--scenarios', 'put-64,lease-64', '--duration', '5s', '--workers', '2']);
  if (parsed.help) throw new Error('unexpected help');
  t.same(parsed.options.targets, ['etcd', 'conclave']);
  t.same(parsed.options.scenarios.map((s) => s.name), ['put-64', 'lease-64']);
  t.same(parsed.options.stop, { kind: 'duration', ms: 5000 });
  t.equal(parsed.options.workers, 2);
  t.throws(() => parseCompareArgs(['--scenarios', 'put-2']), /unknown scenario 'put-2'; known: put-1, put-64/);
  t.throws(() => parseTargetNames('etcd,zk'), /unknown target 'zk'; known: etcd, conclave/);
  t.throws(() => parseCompareArgs(['--total', '1', '--duration', '1s']), /exclude each other/);
  const { io, err } = capture();
  t.equal(await compareMain(['--targets', 'redis'], io), 2);
  t.match(err(), /unknown target 'redis'/);
});

t.test('side by side with real etcd: targets take turns per scenario, the put ratio is the last line', { skip: etcdMissing }, async (t) => {
  const { io, out } = capture();
  const { code, leftovers } = await withPrivateTmpdir(t, async () => {
    const code = await compareMain(['--scenarios', 'put-64,range-s-64', '--total', '100'], io);
    return { code, leftovers: [...leftoverDirs('etcd'), ...leftoverDirs('conclave')] };
  });
  t.equal(code, 0, out());
  t.match(out(), /^command: node --import tsx bench\/compare\/main\.ts --scenarios put-64,range-s-64 --total 100\nmachine: \d+ cores/);
  const rows = [...out().matchAll(/^\| (put-64|range-s-64) \| (conclave|etcd) \| \d+ \|/gm)].map((m) => `${m[1]} ${m[2]}`);
  t.same(rows, ['put-64 conclave', 'put-64 etcd', 'range-s-64 conclave', 'range-s-64 etcd'], 'each scenario runs on every target before the next');
  t.match(out(), /\nconclave\/etcd put throughput ratio \(1 member, 64 clients\): \d+\.\d\d\n$/);
  t.same(leftovers, [], 'servers stopped and their data dirs removed');
});

t.test('with several members every member gets a connection, clients permitting', async (t) => {
  const parsed = parseCompareArgs(['--members', '3', '--html', 'out.html', '--svg-dir', 'svg']);
  if (parsed.help) throw new Error('unexpected help');
  t.equal(parsed.options.members, 3);
  t.equal(parsed.options.htmlFile, 'out.html');
  t.equal(parsed.options.svgDir, 'svg');
  t.throws(() => parseCompareArgs(['--members', '2']), /--members '2': give 1 or 3/);
  const endpoints = [1, 2, 3].map((i) => ({ host: '127.0.0.1', port: 2000 + i }));
  const conns = (name: string): number => scenarioOptions(findScenario(name), parsed.options, endpoints).conns;
  t.equal(conns('put-64'), 3, '64 clients over one connection per member');
  t.equal(conns('put-256'), 4, 'a scenario with more connections keeps them');
  t.equal(conns('put-1'), 1, 'one client has one connection');
  t.same(scenarioOptions(findScenario('put-64'), parsed.options, endpoints).endpoints, endpoints);
});

t.test('3-member etcd clusters side by side, with the HTML page', { skip: etcdMissing }, async (t) => {
  const { io, out, err } = capture();
  const dir = mkdtempSync(join(tmpdir(), 'conclave-compare-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const html = join(dir, 'page.html');
  const code = await compareMain(['--members', '3', '--scenarios', 'put-64', '--total', '300', '--html', html], io);
  t.equal(code, 0, err());
  t.match(err(), /etcd: serving on m1 127\.0\.0\.1:\d+ \(pid \d+\), m2 .*, m3 /);
  t.match(out(), /3 members per target, load spread over every member's endpoint/);
  t.match(out(), /\| put-64 \| etcd \| \d+ \|/);
  t.match(out(), /\nconclave\/etcd put throughput ratio \(3 members, 64 clients\): \d+\.\d\d\n$/);
  const page = readFileSync(html, 'utf8');
  t.match(page, /<td>put-64<\/td><td>etcd ×3<\/td>/);
  t.match(page, /command: node --import tsx bench\/compare\/main\.ts --members 3/);
});
