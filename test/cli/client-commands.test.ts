/**
 * The `conclave` client subcommands against a served member, run in process
 * with captured output (the same entry the CLI calls), checking etcdctl's
 * output lines, `-w json`, and "Error: ..." with exit code 1.
 */
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { decodeMemberState } from '../../actors/applier/state-snapshot.ts';
import { runClientCommand, type CommandIo } from '../../src/cli/commands/index.ts';
import { decodeSnapshotFile } from '../../src/server/snapshot-file.ts';
import { startTestServer } from '../server/helpers.ts';

interface Captured {
  readonly io: CommandIo;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly lines: EventEmitter;
  readonly interrupt: AbortController;
}

function capture(stdin = ''): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines = new EventEmitter();
  const interrupt = new AbortController();
  const io: CommandIo = {
    out: (line) => {
      stdout.push(...line.split('\n'));
      lines.emit('line');
    },
    err: (line) => stderr.push(line),
    readStdin: async () => stdin,
    signal: interrupt.signal,
  };
  return { io, stdout, stderr, lines, interrupt };
}

t.test('client subcommands', async (t) => {
  const { endpoint } = await startTestServer(t);
  const run = async (args: string[], stdin?: string) => {
    const [name, ...rest] = args;
    const captured = capture(stdin);
    const code = await runClientCommand(name!, [...rest, `--endpoints=${endpoint}`], captured.io);
    return { code, stdout: captured.stdout, stderr: captured.stderr };
  };

  t.test('put, get, del', async (t) => {
    t.same(await run(['put', 'p/a', 'one']), { code: 0, stdout: ['OK'], stderr: [] }, 'put prints OK');
    await run(['put', 'p/b', 'two']);
    t.same((await run(['get', 'p/a'])).stdout, ['p/a', 'one'], 'get prints key and value');
    t.same((await run(['get', 'p/', '--prefix'])).stdout, ['p/a', 'one', 'p/b', 'two'], 'get --prefix');
    t.same((await run(['get', 'p/', '--prefix', '--keys-only'])).stdout, ['p/a', 'p/b'], 'get --keys-only');
    for (const selector of ['--prefix', '--from-key']) {
      const everyKey = await run(['get', '', selector, '--keys-only']);
      t.equal(everyKey.code, 0, `get "" ${selector} is accepted, as etcdctl accepts it`);
      t.ok(everyKey.stdout.includes('p/a') && everyKey.stdout.includes('p/b'), `get "" ${selector} lists every key`);
    }
    const json = JSON.parse((await run(['get', 'p/a', '-w', 'json'])).stdout.join('\n')) as { kvs: { key: string; value: string; modRevision: number }[] };
    t.equal(Buffer.from(json.kvs[0]!.value, 'base64').toString(), 'one', '-w json carries the value as base64');
    await run(['put', 'p/a', 'uno']);
    t.same((await run(['get', 'p/a', `--rev=${json.kvs[0]!.modRevision}`])).stdout, ['p/a', 'one'], 'get --rev reads the past');
    t.same((await run(['del', 'p/', '--prefix'])).stdout, ['2'], 'del --prefix prints the count');
    t.same((await run(['get', 'p/', '--prefix'])).stdout, [], 'nothing left');
  });

  t.test('txn from stdin', async (t) => {
    await run(['put', 't/k', 'v1']);
    const script = 'value("t/k") = "v1"\n\nput t/k v2\nget t/k\n\nput t/k failed\n';
    t.same(await run(['txn'], script), { code: 0, stdout: ['SUCCESS', '', 'OK', '', 't/k', 'v2'], stderr: [] }, 'the success branch ran');
    t.same((await run(['txn'], script)).stdout, ['FAILURE', '', 'OK'], 'the compare now fails');
    t.same((await run(['get', 't/k'])).stdout, ['t/k', 'failed'], 'the failure branch wrote');
    const bad = await run(['txn'], 'nonsense("t/k") = "x"\n');
    t.same(bad, { code: 1, stdout: [], stderr: ['Error: txn: cannot read compare: nonsense("t/k") = "x"'] }, 'a bad script names its line');
  });

  t.test('watch prints events until interrupted', async (t) => {
    const captured = capture();
    const watching = runClientCommand('watch', ['w/', '--prefix', `--endpoints=${endpoint}`], captured.io);
    // The watch exists once an event written now reaches it; write until one does (bounded).
    const seen = once(captured.lines, 'line', { signal: AbortSignal.timeout(20_000) });
    for (let attempt = 0; captured.stdout.length === 0 && attempt < 50; attempt += 1) {
      await run(['put', 'w/x', `v${attempt}`]);
      await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    await seen;
    captured.interrupt.abort();
    t.equal(await watching, 0, 'an interrupted watch exits 0');
    t.same(captured.stdout.slice(0, 3), ['PUT', 'w/x', captured.stdout[2]], 'PUT, key, value');
    t.match(captured.stdout[2], /^v\d+$/, 'the value written');

    const history = capture();
    const replay = runClientCommand('watch', ['w/x', '--rev=1', `--endpoints=${endpoint}`], history.io);
    await once(history.lines, 'line', { signal: AbortSignal.timeout(20_000) });
    history.interrupt.abort();
    t.equal(await replay, 0, 'exits 0');
    t.same(history.stdout.slice(0, 3), ['PUT', 'w/x', 'v0'], '--rev replays history from the first write');
  });

  t.test('lease grant, timetolive, keep-alive, revoke', async (t) => {
    const granted = await run(['lease', 'grant', '30']);
    const id = /^lease ([0-9a-f]{16}) granted with TTL\(30s\)$/.exec(granted.stdout[0] ?? '')?.[1];
    t.ok(id, `grant prints etcdctl's line: ${granted.stdout[0]}`);
    t.same((await run(['put', 'l/k', 'v', `--lease=${id}`])).code, 0, 'put --lease');
    t.match((await run(['lease', 'timetolive', id!, '--keys'])).stdout, [new RegExp(`^lease ${id} granted with TTL\\(30s\\), remaining\\(\\d+s\\), attached keys\\(\\[l/k\\]\\)$`)]);
    t.same((await run(['lease', 'keep-alive', id!, '--once'])).stdout, [`lease ${id} keepalived with TTL(30)`], 'keep-alive --once');
    t.same((await run(['lease', 'list'])).stdout, ['found 1 leases', id], 'list');
    t.same((await run(['lease', 'revoke', id!])).stdout, [`lease ${id} revoked`], 'revoke');
    t.same((await run(['lease', 'timetolive', id!])).stdout, [`lease ${id} already expired`], 'gone after revoke');
    const expired = await run(['lease', 'keep-alive', id!]);
    t.same(expired, { code: 1, stdout: [], stderr: [`Error: lease ${id} expired or revoked.`] }, 'keep-alive of a revoked lease fails');
  });

  t.test('member and endpoint', async (t) => {
    const list = await run(['member', 'list']);
    t.match(list.stdout, [/^[0-9a-f]+, started, [^,]+, http:\/\/127\.0\.0\.1:2380, http:\/\/127\.0\.0\.1:2379, false$/], 'member list');
    const status = await run(['endpoint', 'status']);
    t.match(status.stdout, [new RegExp(`^${endpoint}, [0-9a-f]+, [^,]+, \\d+(\\.\\d)? [kMG]?B, true, false, \\d+, \\d+, \\d+, $`)], 'endpoint status');
    t.match((await run(['endpoint', 'health'])).stdout, [new RegExp(`^${endpoint} is healthy: successfully committed proposal: took = [\\d.]+ms$`)]);
    const removeUnknown = await run(['member', 'remove', 'abc']);
    t.same(removeUnknown, { code: 1, stdout: [], stderr: ['Error: etcdserver: member not found'] }, "etcd's refusal, exit code 1");
    const badUrl = await run(['member', 'add', 'n2', '--peer-urls=not-a-url']);
    t.same(badUrl.stderr, ['Error: etcdserver: given member URLs are invalid'], 'member add checks URLs');
  });

  t.test('snapshot save writes the member state the server streams', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'conclave-snapshot-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await run(['put', 'snap/k', 'v']);
    const saved = await run(['snapshot', 'save', join(dir, 'db')]);
    t.equal(saved.code, 0, 'exit code 0');
    t.same(await readdir(dir), ['db'], 'the file, no partial file left behind');
    const state = decodeMemberState(decodeSnapshotFile(await readFile(join(dir, 'db'))));
    t.ok(state.appliedIndex > 0, 'the saved file holds the member state, past the put');
  });

  t.test('usage mistakes and refusals', async (t) => {
    t.same(await run(['get']), { code: 1, stdout: [], stderr: [`Error: usage: conclave get <key> [<range end>] [--prefix] [--from-key] [--rev=N] [--keys-only] [--count-only] [--limit=N] [--consistency=l|s]`] });
    t.same((await run(['get', 'k', '--bogus'])).stderr, ['Error: unknown flag: --bogus']);
    t.same((await run(['put', '', 'v'])).stderr, ['Error: etcdserver: key is not provided'], "etcd's refusal text");
    t.same((await run(['get', 'k', '-w', 'yaml'])).stderr, ['Error: --write-out must be simple or json, got yaml']);
  });
});

t.test('an endpoint that is down is a clear error', async (t) => {
  const captured = capture();
  const code = await runClientCommand('get', ['k', '--endpoints=127.0.0.1:1', '--command-timeout=2s'], captured.io);
  t.equal(code, 1, 'exit code 1');
  t.match(captured.stderr, [/^Error: No connection established/], 'says it could not connect');
});
