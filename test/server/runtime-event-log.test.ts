/**
 * `conclave serve` logs a failure inside its member: here the raft actor is
 * made to fail (its own 'fail' message, what it sends itself when storage
 * breaks), and the member's log must say which actor failed and why, instead
 * of clients only seeing "etcdserver: server stopped". Closing such a
 * member then still ends its threads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Member } from '../../actors/member/start-member.ts';
import { freePort } from '../../bench/compare/server.ts';
import { parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { serve } from '../../src/server/index.ts';

t.test('an actor failure inside the member reaches the log, with its reason', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-runtime-log-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const config = toServeConfig(
    parseServeFlags(['--data-dir', dir, '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer], {}),
  );
  let logged: (line: string) => void = () => undefined;
  const failureLogged = new Promise<string>((resolve) => {
    logged = (line) => {
      if (line.includes('raft')) resolve(line);
    };
  });
  const member = await serve(config, (level, message) => {
    if (level === 'warn') logged(message);
  });
  t.teardown(() => member.close());
  // Reaches past the public API: nothing a client can send makes an actor fail.
  (member.db as unknown as { member: Member }).member.raft.send({ type: 'fail', reason: 'injected by the test' });
  let timer: NodeJS.Timeout | undefined;
  const safetyNet = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('nothing logged within 10 s'), 10_000);
  });
  t.match(await Promise.race([failureLogged, safetyNet]), /actor "raft" failed: .*injected by the test/);
  clearTimeout(timer);
  // The teardown's close() must also finish although the member's actors failed (it used to throw and keep the threads).
});
