import { open } from '/work/main/src/index.ts';
import { EtcdServer } from '/work/main/src/server/index.ts';
import { mkdtempSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { etcdMethods } from '/work/main/src/proto/load.ts';
const dir = mkdtempSync('/tmp/dbg-');
const db = await open({ dir });
const server = await EtcdServer.start({ db, dataDir: dir, clusterToken: 'etcd-cluster', member: { name: 'x', peerUrls: [], clientUrls: [] }, listen: [{ host: '127.0.0.1', port: 0 }], maxRequestBytes: 1572864 });
const { port } = server.clientAddresses()[0]!;
const value = Buffer.alloc(256, 1);
const N = 1000;
for (let round = 0; round < 2; round++) {
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await db.put(`k${i % 100}`, value);
  const embedded = (performance.now() - t0) / N;
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const put = (i: number) => new Promise((res, rej) => client.makeUnaryRequest(etcdMethods.put.path, etcdMethods.put.requestSerialize, etcdMethods.put.responseDeserialize, { key: Buffer.from(`k${i % 100}`), value }, (e, r) => (e ? rej(e) : res(r))));
  await put(0);
  t0 = performance.now();
  for (let i = 0; i < N; i++) await put(i);
  const viaGrpc = (performance.now() - t0) / N;
  // 64 in flight
  t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => { while (next < N * 4) { await put(next++); } }));
  const conc = (N * 4) / ((performance.now() - t0) / 1000);
  let n2 = 0; t0 = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => { while (n2 < N * 4) { await db.put(`k${n2++ % 100}`, value); } }));
  const concEmb = (N * 4) / ((performance.now() - t0) / 1000);
  console.log(`round ${round}: sequential put embedded ${embedded.toFixed(3)} ms, via gRPC ${viaGrpc.toFixed(3)} ms; 64 in flight: gRPC ${conc.toFixed(0)}/s embedded ${concEmb.toFixed(0)}/s`);
  client.close();
}
await server.close();
await db.close();
