/**
 * End to end: a member started with nothing but `--config-file` takes its
 * name, data dir and client URL from the file and serves etcd clients there.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import { parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { serve } from '../../src/server/index.ts';
import { etcd3Client } from '../server/helpers.ts';

t.test('serve started with only --config-file serves on the URL the file names', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-config-file-e2e-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const dataDir = join(dir, 'member-data');
  const path = join(dir, 'etcd.conf.yml');
  await writeFile(path, [
    'name: from-file',
    `data-dir: ${dataDir}`,
    `listen-client-urls: ${clientUrl}`,
    `advertise-client-urls: ${clientUrl}`,
    `listen-peer-urls: ${peerUrl}`,
    `initial-advertise-peer-urls: ${peerUrl}`,
    `initial-cluster: from-file=${peerUrl}`,
    'heartbeat-interval: 10',
    'election-timeout: 100',
    '',
  ].join('\n'));
  const flags = parseServeFlags(['--config-file', path], {});
  t.same(flags.warnings, []);
  const member = await serve(toServeConfig(flags), () => undefined);
  t.teardown(() => member.close());

  const client = etcd3Client(t, clientUrl.replace('http://', ''));
  await client.put('config-file/k').value('v');
  t.equal(await client.get('config-file/k').string(), 'v');
  t.same((await client.cluster.memberList({})).members.map((m) => [m.name, m.clientURLs, m.peerURLs]), [['from-file', [clientUrl], [peerUrl]]]);
  t.ok((await readdir(dataDir)).length > 0, 'the member keeps its data in the data-dir the file names');
});
