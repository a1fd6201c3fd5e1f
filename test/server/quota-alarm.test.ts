/**
 * --quota-backend-bytes over the etcd API: the refusal carries etcd's code
 * and text, Status shows the alarm as etcd prints it and the backend size
 * the quota counts, the Alarm RPC lists, raises and disarms, and etcdctl's
 * `alarm list`, `defrag`, `compact` and `alarm disarm` work as against etcd.
 */
import t from 'tap';
import { status } from '@grpc/grpc-js';
import { parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { defaultQuotaBackendBytes, toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { callUnary, etcdctl, etcdctlMissing, rawClient, startTestServer, statusOf } from './helpers.ts';

const QUOTA_BYTES = 4096;
const VALUE = 'v'.repeat(500);
const NO_SPACE = { code: status.RESOURCE_EXHAUSTED, details: 'etcdserver: mvcc: database space exceeded' };

interface WireStatus {
  dbSize: string;
  dbSizeInUse: string;
  errors: string[];
}
interface WireAlarms {
  alarms: Array<{ memberID: string; alarm: string }>;
}

async function fill(kv: ReturnType<typeof rawClient>): Promise<{ code: number; details: string }> {
  for (let i = 0; i < 100; i++) {
    try {
      await callUnary(kv, 'Put', { key: Buffer.from(`k${i}`), value: Buffer.from(VALUE) });
    } catch (error) {
      const { code, details } = error as { code: number; details: string };
      return { code, details };
    }
  }
  throw new Error('100 puts fitted under the quota');
}

t.test('past the quota: refused with etcd\'s status, alarm in Status and Alarm; disarm over the RPC', async (t) => {
  const served = await startTestServer(t, { open: { quotaBackendBytes: QUOTA_BYTES } });
  const kv = rawClient(t, 'KV', served.endpoint);
  const maintenance = rawClient(t, 'Maintenance', served.endpoint);
  const memberId = String(served.server.memberId);
  t.same(await fill(kv), NO_SPACE);
  t.same(await statusOf(callUnary(rawClient(t, 'Lease', served.endpoint), 'LeaseGrant', { TTL: 60 })), NO_SPACE, 'LeaseGrant is refused');

  const statusResponse = await callUnary<WireStatus>(maintenance, 'Status', {});
  t.same(statusResponse.errors, [`memberID:${memberId} alarm:NOSPACE `], 'the alarm as etcd prints it');
  t.equal(Number(statusResponse.dbSize), (await served.db.status()).backendBytes, 'dbSize is the size the quota counts');
  t.equal(statusResponse.dbSizeInUse, statusResponse.dbSize);
  const listed = await callUnary<WireAlarms>(maintenance, 'Alarm', { action: 'GET', alarm: 'NONE' });
  t.same(listed.alarms, [{ memberID: memberId, alarm: 'NOSPACE' }]);

  t.equal((await callUnary<{ count: string }>(kv, 'Range', { key: Buffer.from('k0') })).count, '1', 'reads are served');
  const deleted = await callUnary<{ header: { revision: string } }>(kv, 'DeleteRange', { key: Buffer.from('k'), range_end: Buffer.from('l') });
  await callUnary(kv, 'Compact', { revision: deleted.header.revision });
  await callUnary(maintenance, 'Defragment', {});
  t.same(await statusOf(callUnary(kv, 'Put', { key: Buffer.from('a'), value: Buffer.from('b') })), NO_SPACE, 'refused until disarmed');

  const disarmed = await callUnary<WireAlarms>(maintenance, 'Alarm', { action: 'DEACTIVATE', memberID: memberId, alarm: 'NOSPACE' });
  t.same(disarmed.alarms, [{ memberID: memberId, alarm: 'NOSPACE' }], 'DEACTIVATE answers with the row removed');
  t.same((await callUnary<WireStatus>(maintenance, 'Status', {})).errors, []);
  t.ok(await callUnary(kv, 'Put', { key: Buffer.from('a'), value: Buffer.from('b') }), 'writes are accepted again');

  const raised = await callUnary<WireAlarms>(maintenance, 'Alarm', { action: 'ACTIVATE', memberID: '42', alarm: 'NOSPACE' });
  t.same(raised.alarms, [{ memberID: '42', alarm: 'NOSPACE' }], 'ACTIVATE raises it under the given member');
  t.same(await statusOf(callUnary(kv, 'Put', { key: Buffer.from('a'), value: Buffer.from('b') })), NO_SPACE, 'and writes stop');
});

t.test('etcdctl alarm list, compact, defrag and alarm disarm', { skip: etcdctlMissing }, async (t) => {
  const served = await startTestServer(t, { open: { quotaBackendBytes: QUOTA_BYTES } });
  const memberId = String(served.server.memberId);
  let put = await etcdctl(served.endpoint, ['put', 'k', VALUE]);
  for (let i = 0; put.code === 0 && i < 100; i++) put = await etcdctl(served.endpoint, ['put', `k${i}`, VALUE]);
  t.match(put.stderr, /etcdserver: mvcc: database space exceeded/, 'etcdctl put reports etcd\'s error');
  t.equal((await etcdctl(served.endpoint, ['alarm', 'list'])).stdout, `memberID:${memberId} alarm:NOSPACE \n`);
  const endpointStatus = await etcdctl(served.endpoint, ['endpoint', 'status', '-w', 'json']);
  t.match(endpointStatus.stdout, `"errors":["memberID:${memberId} alarm:NOSPACE "]`);
  t.equal((await etcdctl(served.endpoint, ['get', 'k0', '--print-value-only'])).stdout, `${VALUE}\n`, 'etcdctl get is served');
  const deleted = await etcdctl(served.endpoint, ['del', 'k', '--prefix', '-w', 'json']);
  const revision = (JSON.parse(deleted.stdout) as { header: { revision: number } }).header.revision;
  t.equal((await etcdctl(served.endpoint, ['compact', String(revision)])).stdout, `compacted revision ${revision}\n`);
  t.match((await etcdctl(served.endpoint, ['defrag'])).stdout, /Finished defragmenting etcd member/);
  t.equal((await etcdctl(served.endpoint, ['alarm', 'disarm'])).stdout, `memberID:${memberId} alarm:NOSPACE \n`, 'disarm prints what it disarmed');
  t.equal((await etcdctl(served.endpoint, ['alarm', 'list'])).stdout, '');
  t.equal((await etcdctl(served.endpoint, ['put', 'after', 'v'])).stdout, 'OK\n');
});

t.test('--quota-backend-bytes as etcd reads it: 0 is 2 GiB, a negative value turns the quota off', async (t) => {
  const quotaOf = (value: string) => toServeConfig(parseServeFlags([`--quota-backend-bytes=${value}`], {})).quotaBackendBytes;
  t.equal(quotaOf('0'), defaultQuotaBackendBytes);
  t.equal(defaultQuotaBackendBytes, 2 * 1024 ** 3);
  t.equal(quotaOf('65536'), 65536);
  t.equal(quotaOf('-1'), -1, 'passed on to open(), which runs without a quota');
});
