/**
 * Streams across a member restart: the member is stopped and started again
 * on the same data directory and port, and the client's watch resumes from
 * the revision after the last event it delivered (nothing lost, nothing
 * repeated), and lease keep-alives go on over a new stream.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect } from '../../src/client/index.ts';
import { open } from '../../src/index.ts';
import { EtcdServer } from '../../src/server/index.ts';
import { fastTimings } from '../server/helpers.ts';

const decoder = new TextDecoder();

interface Running {
  close(): Promise<void>;
  readonly port: number;
}

async function startMember(dir: string, port: number): Promise<Running> {
  const db = await open({ dir, ...fastTimings });
  const server = await EtcdServer.start({
    db,
    dataDir: dir,
    member: { name: 'restarted', peerUrls: ['http://127.0.0.1:2380'], clientUrls: [`http://127.0.0.1:${port}`] },
    listen: [{ host: '127.0.0.1', port }],
    maxRequestBytes: 1_572_864,
  });
  return {
    port: server.clientAddresses()[0]!.port,
    async close() {
      await server.close();
      await db.close();
    },
  };
}

t.test('a watch and a keep-alive survive a member restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-client-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let member = await startMember(dir, 0);
  t.teardown(() => member.close());
  const port = member.port;
  const db = await connect({ endpoints: [`127.0.0.1:${port}`], retry: { maxAttempts: 20, initialBackoffMs: 20, maxBackoffMs: 200 } });
  t.teardown(() => db.close());

  const lease = await db.lease.grant(30);
  const watch = await db.watch({ key: 'r/', prefix: true });
  const events = watch[Symbol.asyncIterator]();
  const nextPut = async (): Promise<string> => {
    for (;;) {
      const next = await events.next();
      if (next.done) throw new Error('the watch ended');
      if (next.value.kind === 'events') return next.value.events.map((event) => decoder.decode(event.kv.value)).join(',');
    }
  };

  await db.put('r/a', 'before');
  t.equal(await nextPut(), 'before', 'an event before the restart');

  await member.close();
  member = await startMember(dir, port);
  t.equal(member.port, port, 'the member is back on the same port');

  await db.put('r/a', 'after');
  t.equal(await nextPut(), 'after', 'the next event after the restart, and not the old one again');
  t.equal(watch.reconnects, 1, 'the watch moved to a new stream once');
  t.equal((await db.lease.keepAlive(lease.id)).ttlSeconds, 30, 'keep-alives go on over a new stream');
  watch.cancel();
  t.equal((await events.next()).done, true, 'cancel ends the iteration');
});
