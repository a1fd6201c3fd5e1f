import t from 'tap';
import { once } from 'node:events';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { WatchRequest, WatchResponse } from '../../src/proto/load.ts';
import { bytes, etcd3Client, rawClient, startTestServer, text, untilStreams } from './helpers.ts';

const served = await startTestServer(t);
const client = etcd3Client(t, served.endpoint);

/** One raw Watch stream: write requests, await responses one by one (bounded). */
class WatchSession {
  private readonly queue: WatchResponse[] = [];
  private readonly stream: ClientDuplexStream<WatchRequest, WatchResponse>;

  constructor(t: Parameters<typeof rawClient>[0]) {
    const watch = rawClient(t, 'Watch', served.endpoint);
    this.stream = watch['Watch']!() as ClientDuplexStream<WatchRequest, WatchResponse>;
    this.stream.on('data', (response: WatchResponse) => this.queue.push(response));
    this.stream.on('error', () => undefined); // cancellation at teardown
    t.teardown(() => this.stream.cancel());
  }

  send(request: WatchRequest): void {
    this.stream.write(request);
  }

  async next(timeoutMs = 30_000): Promise<WatchResponse> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.queue.length === 0) await once(this.stream, 'data', { signal });
    return this.queue.shift()!;
  }

  cancelStream(): void {
    this.stream.cancel();
  }
}

const revisionOf = (response: { header: { revision: string } | null }) => Number(response.header?.revision);

t.test('etcd3 watch from a past revision with prev_kv replays history then follows live', { timeout: 120_000 }, async (t) => {
  const start = Number((await client.put('w/a').value('1').exec()).header.revision);
  await client.put('w/a').value('2');
  await client.delete().key('w/a');
  const watcher = await client.watch().prefix('w/').startRevision(String(start)).withPreviousKV().create();
  t.teardown(() => watcher.cancel());
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    const record = (kind: string) => (kv: { key: Buffer; value: Buffer }, previous?: { value: Buffer }) => {
      seen.push(`${kind} ${text(kv.key)}=${text(kv.value)} prev=${text(previous?.value) ?? '-'}`);
      if (seen.length === 4) resolve();
    };
    watcher.on('put', record('put'));
    watcher.on('delete', record('delete'));
  });
  await client.put('w/b').value('live');
  await done;
  t.same(seen, ['put w/a=1 prev=-', 'put w/a=2 prev=1', 'delete w/a= prev=2', 'put w/b=live prev=-']);
});

t.test('many watches on one stream: ids, created first, filters, cancel', { timeout: 120_000 }, async (t) => {
  const session = new WatchSession(t);
  session.send({ create_request: { key: bytes('m/one') } });
  const first = await session.next();
  t.match(first, { created: true, canceled: false, watch_id: '0' }, 'the first auto id is 0');
  session.send({ create_request: { key: bytes('m/'), range_end: bytes('m0'), filters: ['NOPUT'] } });
  const second = await session.next();
  t.match(second, { created: true, watch_id: '1' });
  session.send({ create_request: { key: bytes('m/one'), watch_id: 7 } });
  t.match(await session.next(), { created: true, watch_id: '7' }, 'a client-chosen id');
  session.send({ create_request: { key: bytes('m/one'), watch_id: 7 } });
  t.match(
    await session.next(),
    { created: true, canceled: true, watch_id: '-1', cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream' },
    'a taken id is refused as etcd does',
  );
  session.send({ cancel_request: { watch_id: 7 } });
  t.match(await session.next(), { canceled: true, watch_id: '7' });
  const put = Number((await client.put('m/one').value('x').exec()).header.revision);
  const event = await session.next();
  t.match(event, { watch_id: '0' }, 'the put reaches the plain watch only (NOPUT filters it, 7 is canceled)');
  t.equal(event.events[0]?.type, 'PUT');
  t.equal(revisionOf(event), put);
  await client.delete().key('m/one');
  const deletes = [await session.next(), await session.next()].sort((a, b) => a.watch_id.localeCompare(b.watch_id));
  t.same(deletes.map((response) => [response.watch_id, response.events[0]?.type]), [['0', 'DELETE'], ['1', 'DELETE']]);
});

t.test('progress request: header-only response for the stream, watch_id -1', { timeout: 120_000 }, async (t) => {
  const session = new WatchSession(t);
  session.send({ progress_request: {} });
  const empty = await session.next();
  t.match(empty, { watch_id: '-1', created: false, canceled: false, events: [] }, 'answered with no watch on the stream');
  session.send({ create_request: { key: bytes('p/k') } });
  await session.next();
  const revision = Number((await client.put('p/k').value('v').exec()).header.revision);
  t.equal(revisionOf(await session.next()), revision, 'the event');
  session.send({ progress_request: {} });
  const progress = await session.next();
  t.match(progress, { watch_id: '-1', events: [] });
  t.ok(revisionOf(progress) >= revision, 'the progress revision covers the delivered event');
});

t.test('a watch from a compacted revision is created, then canceled with compact_revision', { timeout: 120_000 }, async (t) => {
  const first = Number((await client.put('cw/k').value('1').exec()).header.revision);
  const latest = Number((await client.put('cw/k').value('2').exec()).header.revision);
  await client.kv.compact({ revision: latest });
  const session = new WatchSession(t);
  session.send({ create_request: { key: bytes('cw/k'), start_revision: first } });
  t.match(await session.next(), { created: true, canceled: false, watch_id: '0' });
  const canceled = await session.next();
  t.match(canceled, { watch_id: '0', canceled: true, compact_revision: String(latest) });
});

t.test('fragment: a large catch-up batch is split, all but the last marked fragment', { timeout: 120_000 }, async (t) => {
  const session = new WatchSession(t);
  const value = Buffer.alloc(600 * 1024, 'v');
  const before = Number((await client.put('f/0').value('x').exec()).header.revision);
  for (const key of ['f/1', 'f/2', 'f/3']) await client.put(key).value(value);
  session.send({ create_request: { key: bytes('f/1'), range_end: bytes('f/9'), start_revision: before + 1, fragment: true } });
  t.match(await session.next(), { created: true });
  const parts: WatchResponse[] = [];
  do parts.push(await session.next());
  while (parts.at(-1)!.fragment);
  t.ok(parts.length > 1, `split into ${parts.length} responses`);
  t.same(parts.map((part) => part.fragment), [...parts.slice(1).map(() => true), false]);
  t.equal(parts.flatMap((part) => part.events).length, 3, 'every event of the txn arrives');
});

t.test('a client that disconnects leaves no watcher behind', { timeout: 120_000 }, async (t) => {
  // Earlier tests' streams end as their clients cancel them.
  await untilStreams(served.server, (counts) => counts.watchStreams === 0);
  const session = new WatchSession(t);
  for (const key of ['d/1', 'd/2', 'd/3']) {
    session.send({ create_request: { key: bytes(key) } });
    await session.next();
  }
  await untilStreams(served.server, (counts) => counts.watchers === 3 && counts.watchStreams === 1);
  session.cancelStream();
  await untilStreams(served.server, (counts) => counts.watchers === 0 && counts.watchStreams === 0);
  t.pass('the server released the stream and its three watches');
});
