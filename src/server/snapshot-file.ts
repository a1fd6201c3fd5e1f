/**
 * The file `etcdctl snapshot save` writes from a Conclave member: the
 * member's state bytes (actors/applier/state-snapshot.ts) behind a small
 * header, zero-filled to a multiple of 512 bytes.
 *
 * Why the fill: etcdctl decides whether a saved file carries etcd's trailing
 * SHA-256 by its size alone (clientv3/snapshot hasChecksum: size % 512 == 32,
 * because etcd's bbolt file is whole pages), and refuses the save otherwise.
 * The header's length field is what lets a restore drop the fill again.
 *
 * Layout: magic "CSNF" u32 LE | format u32 LE | state length u64 LE | state | zero fill.
 *
 * Never: hand out a file whose size is not a multiple of 512.
 */
const MAGIC = 0x464e5343; // "CSNF" read as a little-endian uint32
const FORMAT = 1;
const HEADER_BYTES = 16;
/** etcdctl's sector size for the checksum test. */
export const SNAPSHOT_FILE_ALIGN_BYTES = 512;

export function encodeSnapshotFile(state: Uint8Array): Buffer {
  const used = HEADER_BYTES + state.length;
  const file = Buffer.alloc(Math.ceil(used / SNAPSHOT_FILE_ALIGN_BYTES) * SNAPSHOT_FILE_ALIGN_BYTES);
  file.writeUInt32LE(MAGIC, 0);
  file.writeUInt32LE(FORMAT, 4);
  file.writeBigUInt64LE(BigInt(state.length), 8);
  file.set(state, HEADER_BYTES);
  return file;
}

/** The state bytes inside a snapshot file (its trailing SHA-256, if any, already removed). */
export function decodeSnapshotFile(file: Uint8Array): Uint8Array {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < HEADER_BYTES || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a Conclave snapshot file');
  if (buf.readUInt32LE(4) !== FORMAT) throw new Error(`Conclave snapshot file format ${buf.readUInt32LE(4)}, expected ${FORMAT}`);
  const stateBytes = Number(buf.readBigUInt64LE(8));
  if (HEADER_BYTES + stateBytes > buf.length) throw new Error(`snapshot file of ${buf.length} bytes is shorter than its ${stateBytes}-byte state`);
  return buf.subarray(HEADER_BYTES, HEADER_BYTES + stateBytes);
}
