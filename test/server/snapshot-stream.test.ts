import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { etcdServices } from '../../src/proto/load.ts';
import { CallWriter } from '../../src/server/call-writer.ts';
import { decodeSnapshotFile, encodeSnapshotFile } from '../../src/server/snapshot-file.ts';
import { SNAPSHOT_CHUNK_BYTES, streamSnapshot, type SnapshotResponse } from '../../src/server/snapshot-stream.ts';
import { etcdctl, etcdctlMissing } from './helpers.ts';

function collect(): { sink: Writable; messages: SnapshotResponse[] } {
  const messages: SnapshotResponse[] = [];
  const sink = new Writable({
    objectMode: true,
    write(message: SnapshotResponse, _encoding, done) {
      messages.push(message);
      done();
    },
  });
  return { sink, messages };
}

t.test('the snapshot file: header, state, zero fill to 512 bytes; decodes back to the state', async (t) => {
  for (const stateBytes of [0, 1, 496, 497, 100_000]) {
    const state = randomBytes(stateBytes);
    const file = encodeSnapshotFile(state);
    t.equal(file.length % 512, 0, `${stateBytes} state bytes make a file of whole 512-byte sectors`);
    t.ok(file.length - stateBytes < 16 + 512, 'at most one sector of fill');
    t.same(Buffer.from(decodeSnapshotFile(file)), state);
  }
  t.throws(() => decodeSnapshotFile(Buffer.alloc(512)), /not a Conclave snapshot file/);
});

t.test('stream: 32 KiB chunks counting down remaining_bytes, then the SHA-256 of the file', async (t) => {
  const file = encodeSnapshotFile(randomBytes(100_000));
  const { sink, messages } = collect();
  await streamSnapshot(new CallWriter(sink), file);
  const digest = messages.at(-1)!;
  const chunks = messages.slice(0, -1);
  t.equal(chunks.length, Math.ceil(file.length / SNAPSHOT_CHUNK_BYTES));
  t.ok(chunks.every((chunk) => chunk.blob.length <= SNAPSHOT_CHUNK_BYTES));
  let remaining = file.length;
  for (const chunk of chunks) {
    remaining -= chunk.blob.length;
    t.equal(chunk.remaining_bytes, remaining);
  }
  t.same(Buffer.concat(chunks.map((chunk) => chunk.blob)), file);
  t.same(digest, { remaining_bytes: 0, blob: createHash('sha256').update(file).digest() });
  await t.rejects(streamSnapshot(new CallWriter(collect().sink), Buffer.alloc(100)), /multiple of 512/);
});

t.test('etcdctl snapshot save accepts the stream and keeps the file with its digest', { skip: etcdctlMissing }, async (t) => {
  const state = randomBytes(200_000);
  const file = encodeSnapshotFile(state);
  const server = new Server();
  server.addService(etcdServices.Maintenance, {
    Snapshot: (call: ServerWritableStream<unknown, SnapshotResponse>) => {
      void streamSnapshot(new CallWriter(call), file).then(() => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.teardown(() => server.forceShutdown());
  const dir = await mkdtemp(join(tmpdir(), 'conclave-snapshot-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'saved.db');
  const saved = await etcdctl(`127.0.0.1:${port}`, ['snapshot', 'save', path]);
  t.equal(saved.code, 0, 'etcdctl snapshot save succeeds');
  t.match(saved.stdout, `Snapshot saved at ${path}`);
  t.match(saved.stderr, /fetched snapshot.*"size": ?"\d+ kB"/, 'etcdctl reports the size it fetched');
  const bytes = await readFile(path);
  t.equal(bytes.length, file.length + 32, 'the file and its SHA-256');
  t.same(Buffer.from(decodeSnapshotFile(bytes.subarray(0, -32))), state);
});
