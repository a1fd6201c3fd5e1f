import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { etcdctlMissing, etcdctlPath, statusOf } from './helpers.ts';
import { armChange, callUnary, cancellableCall, leaseHex, startRecipeServer } from './recipe-helpers.ts';

interface Header {
  revision: string;
}
interface LeaderKey {
  name: Buffer;
  key: Buffer;
  rev: string;
  lease: string;
}
interface CampaignResponse {
  header: Header;
  leader: LeaderKey;
}
interface LeaderResponse {
  header: Header;
  kv: { key: Buffer; value: Buffer; create_revision: string; mod_revision: string };
}

const served = await startRecipeServer(t);
const { client, election } = served;
const campaign = (name: string, lease: string, value: string) =>
  callUnary<CampaignResponse>(election, 'Campaign', { name: Buffer.from(name), lease, value: Buffer.from(value) });
const leaderOf = (name: string) => callUnary<LeaderResponse>(election, 'Leader', { name: Buffer.from(name) });
const grant = async (ttlSeconds = 30) => {
  const lease = client.lease(ttlSeconds, { autoKeepAlive: false });
  return { lease, id: await lease.grant() };
};

/** Observe as a queue of leader values, read one at a time. */
function observe(name: string) {
  const stream = election['Observe']!({ name: Buffer.from(name) }) as ClientReadableStream<LeaderResponse>;
  stream.on('error', () => undefined); // the test cancels it
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<LeaderResponse>;
  return {
    stream,
    next: async () => {
      const next = await Promise.race([iterator.next(), once(stream, 'never', { signal: AbortSignal.timeout(30_000) })]);
      const response = (next as IteratorResult<LeaderResponse>).value as LeaderResponse;
      return { key: String(response.kv.key), value: String(response.kv.value), revision: response.header.revision };
    },
  };
}

t.test('Campaign wins an empty election; Leader and Proclaim', async (t) => {
  const { lease, id } = await grant();
  const won = await campaign('solo', id, 'first');
  t.match(won.leader, { key: Buffer.from(`solo/${leaseHex(id)}`), rev: won.header.revision, lease: id });
  t.equal(String(won.leader.name), 'solo');
  const leader = await leaderOf('solo');
  t.equal(String(leader.kv.value), 'first');
  const proclaimed = await callUnary<{ header: Header }>(election, 'Proclaim', { leader: won.leader, value: Buffer.from('second') });
  const after = await leaderOf('solo');
  t.equal(String(after.kv.value), 'second');
  t.equal(after.kv.mod_revision, proclaimed.header.revision, 'Proclaim answered at the revision of its put');
  const again = await campaign('solo', id, 'third');
  t.equal(again.leader.rev, won.leader.rev, 're-campaigning on the same lease keeps the place');
  t.equal(String((await leaderOf('solo')).kv.value), 'third', '... and proclaims the new value');
  await lease.revoke();
});

t.test('leader change: the second campaigner waits for the first to resign; Observe sees every leader and value', async (t) => {
  const [first, second] = [await grant(), await grant()];
  const observer = observe('change');
  const won = await campaign('change', first.id, 'one');
  t.match(await observer.next(), { key: `change/${leaseHex(first.id)}`, value: 'one' });
  await callUnary(election, 'Proclaim', { leader: won.leader, value: Buffer.from('one-bis') });
  t.match(await observer.next(), { value: 'one-bis' }, 'a proclamation is observed');
  const queued = await armChange(client, 'change/', 'put');
  let elected = false;
  const waiting = campaign('change', second.id, 'two').then((response) => {
    elected = true;
    return response;
  });
  await queued.happened;
  t.equal(elected, false, 'the second campaigner is not leader while the first is');
  await callUnary(election, 'Resign', { leader: won.leader });
  const secondWon = await waiting;
  t.equal(String(secondWon.leader.key), `change/${leaseHex(second.id)}`);
  t.match(await observer.next(), { key: `change/${leaseHex(second.id)}`, value: 'two' }, 'Observe reports the new leader');
  t.same(await statusOf(callUnary(election, 'Proclaim', { leader: won.leader, value: Buffer.from('usurp') })), {
    code: status.UNKNOWN,
    details: 'election: not leader',
  });
  await callUnary(election, 'Resign', { leader: won.leader });
  t.equal(String((await leaderOf('change')).kv.value), 'two', "a stale Resign leaves the new leader's key alone");
  observer.stream.cancel();
  await served.watches.until((open) => open === 0);
  await Promise.all([first.lease.revoke(), second.lease.revoke()]);
});

t.test('Observe waits for the first leader of an empty election; the leader lease expiring ends its term', async (t) => {
  const observer = observe('later');
  await served.watches.until((open) => open === 1);
  const short = await grant(1);
  const next = await grant();
  await campaign('later', short.id, 'brief');
  t.match(await observer.next(), { key: `later/${leaseHex(short.id)}`, value: 'brief' });
  const waiting = campaign('later', next.id, 'after');
  t.match(await observer.next(), { key: `later/${leaseHex(next.id)}`, value: 'after' }, 'the expired leader was succeeded');
  await waiting;
  observer.stream.cancel();
  await served.watches.until((open) => open === 0);
  await next.lease.revoke();
});

t.test('a campaigner that goes away resigns and leaves no watch open', async (t) => {
  const [first, second] = [await grant(), await grant()];
  await campaign('leave', first.id, 'stays');
  const queued = await armChange(client, 'leave/', 'put');
  const waiting = cancellableCall<CampaignResponse>(election, 'Campaign', { name: Buffer.from('leave'), lease: second.id, value: Buffer.from('x') });
  await queued.happened;
  await served.watches.until((open) => open === 1);
  const left = await armChange(client, 'leave/', 'delete');
  waiting.cancel();
  t.equal((await statusOf(waiting.result)).code, status.CANCELLED);
  t.equal(await left.happened, `leave/${leaseHex(second.id)}`);
  await served.watches.until((open) => open === 0);
  t.equal(String((await leaderOf('leave')).kv.value), 'stays');
  await Promise.all([first.lease.revoke(), second.lease.revoke()]);
});

t.test('refusals as etcd 3.4 gives them (code Unknown, etcd text)', async (t) => {
  t.same(await statusOf(leaderOf('nobody')), { code: status.UNKNOWN, details: 'election: no leader' });
  const missing = { code: status.UNKNOWN, details: '"leader" field must be provided' };
  t.same(await statusOf(callUnary(election, 'Proclaim', { value: Buffer.from('v') })), missing);
  t.same(await statusOf(callUnary(election, 'Resign', {})), missing);
  t.same(await statusOf(campaign('bad', '424242', 'v')), { code: status.UNKNOWN, details: 'etcdserver: requested lease not found' });
});

t.test('etcdctl elect campaigns behind a service-held leadership and wins once it resigns', { skip: etcdctlMissing }, async (t) => {
  const { lease, id } = await grant();
  const won = await campaign('ctl', id, 'service');
  const queued = await armChange(client, 'ctl/', 'put');
  const child = spawn(etcdctlPath, ['--endpoints', served.endpoint, 'elect', 'ctl', 'from-etcdctl'], { env: { ...process.env, ETCDCTL_API: '3' } });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  const printed = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += String(chunk);
      if (stdout.includes('from-etcdctl')) resolve();
    }),
  );
  await queued.happened;
  t.equal(stdout, '', 'etcdctl waits while the service-elected leader holds');
  await callUnary(election, 'Resign', { leader: won.leader });
  await Promise.race([printed, once(child, 'never', { signal: AbortSignal.timeout(30_000) })]);
  t.match(stdout, /^ctl\/[0-9a-f]+\nfrom-etcdctl\n/, 'etcdctl prints its leader key and proposal');
  t.equal(String((await leaderOf('ctl')).kv.value), 'from-etcdctl', 'Leader reports the etcdctl campaigner');
  await lease.revoke();
});
