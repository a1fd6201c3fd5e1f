/**
 * `conclave serve --experimental-placement` (Conclave's own flag, not
 * etcd's): parsed and checked like the table's other enumerated flags, and
 * carried through serve() to open(), so 'host-thread' really runs the
 * member's actors on the main thread, serves, and closes cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Member } from '../../actors/member/start-member.ts';
import { freePort } from '../../bench/compare/server.ts';
import { FlagError, parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { serve } from '../../src/server/index.ts';

const configOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => toServeConfig(parseServeFlags(argv, env));

t.test('the flag: host-thread by default, each named placement, the ETCD_ variable, a wrong value named', async (t) => {
  t.equal(configOf([]).placement, 'host-thread');
  for (const placement of ['one-worker', 'two-workers', 'per-actor', 'host-thread'] as const) {
    t.equal(configOf(['--experimental-placement', placement]).placement, placement);
  }
  t.equal(configOf([], { ETCD_EXPERIMENTAL_PLACEMENT: 'host-thread' }).placement, 'host-thread');
  t.throws(() => configOf(['--experimental-placement=everywhere']), {
    constructor: FlagError,
    message: 'invalid value "everywhere" for flag --experimental-placement: valid values are "one-worker", "two-workers", "per-actor", "host-thread"',
  });
});

t.test("serve with 'host-thread': no worker, the actors on the main thread, serves a put, closes", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-placement-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const config = configOf([
    '--data-dir', dir, '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--heartbeat-interval', '20', '--election-timeout', '200', '--experimental-placement', 'host-thread',
  ]);
  const member = await serve(config, () => undefined);
  // Reaches past the public API, which does not say where actors run.
  const { system, raft, applier } = (member.db as unknown as { member: Member }).member;
  t.same([system.workerCount, raft.thread, applier.thread], [0, 0, 0], 'no worker; raft and applier on thread 0');
  const { revision } = await member.db.put('k', 'v');
  t.ok(revision > 0, 'a put commits');
  await member.close();
  t.ok(member.db.isClosed(), 'closed');
});
