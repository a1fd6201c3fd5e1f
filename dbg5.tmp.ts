import { open } from '/work/main/src/index.ts';
import { EtcdServer } from '/work/main/src/server/index.ts';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/dbg-');
const db = await open({ dir });
const server = await EtcdServer.start({ db, dataDir: dir, clusterToken: 'etcd-cluster', member: { name: 'x', peerUrls: [], clientUrls: [] }, listen: [{ host: '127.0.0.1', port: 23811 }], maxRequestBytes: 1572864 });
console.log('ready');
process.once('SIGINT', async () => { await server.close(); await db.close(); });
