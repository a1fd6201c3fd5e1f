/**
 * /metrics on a served member shows the Raft, disk and apply figures issue 5
 * asks for, read from the member's worker threads at scrape time.
 */
import t from 'tap';
import { buckets, sample, scrape } from './metrics-scrape.ts';
import { startTestServer } from './helpers.ts';

const served = await startTestServer(t, { server: { metricsListen: [{ host: '127.0.0.1', port: 0 }] } });
const metricsUrl = `http://127.0.0.1:${served.server.metricsAddresses()[0]!.port}/metrics`;
const PUTS = 20;

/** etcd 3.4's WAL fsync buckets (wal/metrics.go): 1 ms doubling, 14 of them. */
const etcdFsyncBoundsSeconds = Array.from({ length: 14 }, (_, index) => 0.001 * 2 ** index);

t.test('sequential puts move the commit index, the fsync and the apply histograms', async (t) => {
  const before = await scrape(metricsUrl);
  for (let put = 0; put < PUTS; put += 1) await served.db.put(`metrics/${put}`, 'v');
  const after = await scrape(metricsUrl);
  const delta = (key: string) => sample(after, key) - sample(before, key);

  t.ok(delta('etcd_server_proposals_committed_total') >= PUTS, `commit index moved by ${delta('etcd_server_proposals_committed_total')}`);
  t.ok(
    sample(after, 'etcd_server_proposals_committed_total') >= sample(after, 'etcd_server_proposals_applied_total'),
    'nothing is applied before it is committed',
  );
  // A put is answered only once its entry is durable: each sequential put needs a fsynced batch of its own.
  // Its commit-only hard state is written without an fsync and is not counted (counting it doubles the figure).
  const fsynced = delta('etcd_disk_wal_fsync_duration_seconds_count');
  t.ok(fsynced >= PUTS && fsynced < 2 * PUTS, `fsynced batches grew by ${fsynced} for ${PUTS} puts`);
  t.ok(delta('etcd_disk_wal_fsync_duration_seconds_sum') > 0, 'fsync time adds up');
  t.ok(delta('conclave_apply_duration_seconds_count') >= PUTS, `applied entries grew by ${delta('conclave_apply_duration_seconds_count')}`);
  t.ok(delta('etcd_disk_wal_write_bytes_total') > 0, 'log bytes written grew');
  t.equal(sample(after, 'etcd_server_proposals_pending'), 0, 'every put was answered');
});

t.test('the histograms are well formed, the fsync one with etcd\'s buckets', async (t) => {
  const samples = await scrape(metricsUrl);
  for (const name of ['etcd_disk_wal_fsync_duration_seconds', 'conclave_apply_duration_seconds']) {
    const found = buckets(samples, name);
    t.ok(found.length > 0, `${name} has buckets`);
    t.ok(found.every((bucket, index) => index === 0 || bucket.count >= found[index - 1]!.count), `${name} buckets are cumulative`);
    t.ok(found.at(-1)!.count <= sample(samples, `${name}_count`), `${name}: no bucket holds more than the count`);
    t.equal(sample(samples, `${name}_bucket{le="+Inf"}`), sample(samples, `${name}_count`), `${name}: +Inf holds every observation`);
  }
  t.same(buckets(samples, 'etcd_disk_wal_fsync_duration_seconds').map((bucket) => bucket.le), etcdFsyncBoundsSeconds);
});

t.test('a member alone saw its own election and a leader, and no failed proposals', async (t) => {
  const samples = await scrape(metricsUrl);
  t.equal(sample(samples, 'etcd_server_leader_changes_seen_total'), 1);
  t.equal(sample(samples, 'etcd_server_proposals_failed_total'), 0);
  // One worker thread: the only rings join it to the main thread, and a light load never fills them.
  t.equal(sample(samples, 'conclave_ring_stalls_total'), 0);
});
