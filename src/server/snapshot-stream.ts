/**
 * Maintenance.Snapshot's stream as etcd 3.4 sends it
 * (etcdserver/api/v3rpc/maintenance.go) and etcdctl checks it
 * (clientv3/snapshot Save): the file in chunks of at most 32 KiB, each
 * carrying remaining_bytes (file bytes still to come after it), then one
 * last message whose blob is the SHA-256 of the whole file, remaining_bytes 0.
 * etcdctl appends every blob to the saved file and accepts it only when its
 * size is a multiple of 512 plus the 32 digest bytes.
 *
 * Writes wait for the client (CallWriter), so a slow reader holds one chunk
 * in flight, not the whole snapshot.
 *
 * Never: send a file whose size is not a multiple of 512 (etcdctl would
 * reject the save as "sha256 checksum not found").
 */
import { createHash } from 'node:crypto';
import type { CallWriter } from './call-writer.ts';
import { SNAPSHOT_FILE_ALIGN_BYTES } from './snapshot-file.ts';

/** etcd's snapshotSendBufferSize. */
export const SNAPSHOT_CHUNK_BYTES = 32 * 1024;

export interface SnapshotResponse {
  remaining_bytes: number;
  blob: Uint8Array;
}

export async function streamSnapshot(writer: CallWriter<SnapshotResponse>, file: Uint8Array): Promise<void> {
  if (file.length % SNAPSHOT_FILE_ALIGN_BYTES !== 0) {
    throw new Error(`invariant: a snapshot file must be a multiple of ${SNAPSHOT_FILE_ALIGN_BYTES} bytes, got ${file.length}`);
  }
  const digest = createHash('sha256');
  for (let sent = 0; sent < file.length; ) {
    const blob = file.subarray(sent, Math.min(sent + SNAPSHOT_CHUNK_BYTES, file.length));
    sent += blob.length;
    digest.update(blob);
    await writer.write({ remaining_bytes: file.length - sent, blob });
  }
  await writer.write({ remaining_bytes: 0, blob: digest.digest() });
}
