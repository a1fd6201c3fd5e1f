/**
 * Streams one 'snapshot' Raft message as a sequence of frames, and puts it
 * back together on the other side. The data can be hundreds of MiB, far
 * above a frame's limit, so it goes as chunks of snapshotChunkBytes, each with
 * its own CRC32, announced by its total length and closed by the SHA-256 of
 * the whole; the assembler delivers nothing unless every check passes. A
 * failed transfer is simply dropped: the leader's Raft core sends the
 * snapshot again later.
 *
 * The sender hashes as it goes, so the digest costs no extra pass; it slices
 * the message's buffer, never copies it whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Message } from '../raft/core/types.ts';
import type { WireFrame } from './wire-protocol.ts';

type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

export class SnapshotTransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotTransferError';
  }
}

/** The frames of one outgoing transfer, produced one at a time so they can interleave with others. */
export class SnapshotSender {
  readonly transferId: number;
  readonly #message: SnapshotMessage;
  readonly #data: Uint8Array;
  readonly #chunkBytes: number;
  readonly #chunkCount: number;
  readonly #hash: Hash = createHash('sha256');
  /** -1 before begin, then the next chunk's seq; chunkCount means end is next. */
  #next = -1;
  #finished = false;

  constructor(transferId: number, message: SnapshotMessage, chunkBytes: number) {
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`snapshot chunk size must be a positive integer, got ${chunkBytes}`);
    this.transferId = transferId;
    this.#message = message;
    this.#data = message.snapshot.data;
    this.#chunkBytes = chunkBytes;
    this.#chunkCount = Math.ceil(this.#data.length / chunkBytes);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The next frame of the transfer, or null once its end frame was handed out. */
  nextFrame(): WireFrame | null {
    if (this.#finished) return null;
    if (this.#next === -1) {
      this.#next = 0;
      const header: SnapshotMessage = { ...this.#message, snapshot: { meta: this.#message.snapshot.meta, data: new Uint8Array(0) } };
      return { kind: 'snapshot-begin', transferId: this.transferId, message: header, totalBytes: this.#data.length, chunkCount: this.#chunkCount };
    }
    if (this.#next < this.#chunkCount) {
      const seq = this.#next;
      this.#next += 1;
      const data = this.#data.subarray(seq * this.#chunkBytes, Math.min(this.#data.length, (seq + 1) * this.#chunkBytes));
      this.#hash.update(data);
      return { kind: 'snapshot-chunk', transferId: this.transferId, seq, crc32: crc32(data), data };
    }
    this.#finished = true;
    return { kind: 'snapshot-end', transferId: this.transferId, sha256: this.#hash.digest('hex') };
  }
}

type AssemblerFrame = Extract<WireFrame, { kind: 'snapshot-begin' | 'snapshot-chunk' | 'snapshot-end' }>;

interface Transfer {
  readonly transferId: number;
  readonly message: SnapshotMessage;
  readonly data: Buffer;
  readonly chunkCount: number;
  readonly hash: Hash;
  nextSeq: number;
  filledBytes: number;
}

/**
 * Receives the transfers of one connection (one at a time). `accept` returns
 * the whole message when a transfer completes intact, null while one is in
 * progress, and throws SnapshotTransferError (forgetting the transfer) on any
 * inconsistency.
 */
export class SnapshotAssembler {
  readonly #maxSnapshotBytes: number;
  #transfer: Transfer | null = null;

  constructor(maxSnapshotBytes: number) {
    this.#maxSnapshotBytes = maxSnapshotBytes;
  }

  get inProgress(): boolean {
    return this.#transfer !== null;
  }

  accept(frame: AssemblerFrame): SnapshotMessage | null {
    try {
      return this.#accept(frame);
    } catch (error) {
      this.#transfer = null;
      throw error;
    }
  }

  #accept(frame: AssemblerFrame): SnapshotMessage | null {
    if (frame.kind === 'snapshot-begin') {
      const replaced = this.#transfer;
      this.#transfer = null;
      if (replaced !== null) throw new SnapshotTransferError(`transfer ${frame.transferId} began while transfer ${replaced.transferId} was unfinished`);
      this.#transfer = this.#begin(frame);
      return null;
    }
    const transfer = this.#transfer;
    if (transfer === null || transfer.transferId !== frame.transferId) {
      throw new SnapshotTransferError(`${frame.kind} for transfer ${frame.transferId}, which is not in progress`);
    }
    if (frame.kind === 'snapshot-chunk') {
      this.#chunk(transfer, frame);
      return null;
    }
    return this.#end(transfer, frame.sha256);
  }

  #begin(frame: Extract<AssemblerFrame, { kind: 'snapshot-begin' }>): Transfer {
    const message = frame.message;
    if (message.type !== 'snapshot') throw new SnapshotTransferError(`snapshot-begin carries a '${message.type}' message`);
    if (frame.totalBytes > this.#maxSnapshotBytes) {
      throw new SnapshotTransferError(`announced snapshot of ${frame.totalBytes} bytes exceeds maxSnapshotBytes ${this.#maxSnapshotBytes}`);
    }
    if ((frame.totalBytes === 0) !== (frame.chunkCount === 0) || frame.chunkCount > frame.totalBytes) {
      throw new SnapshotTransferError(`announced ${frame.chunkCount} chunks for ${frame.totalBytes} bytes`);
    }
    return {
      transferId: frame.transferId,
      message,
      data: Buffer.allocUnsafe(frame.totalBytes),
      chunkCount: frame.chunkCount,
      hash: createHash('sha256'),
      nextSeq: 0,
      filledBytes: 0,
    };
  }

  #chunk(transfer: Transfer, frame: Extract<AssemblerFrame, { kind: 'snapshot-chunk' }>): void {
    if (frame.seq !== transfer.nextSeq) throw new SnapshotTransferError(`chunk ${frame.seq} of transfer ${transfer.transferId} arrived, expected ${transfer.nextSeq}`);
    const actualCrc = crc32(frame.data);
    if (actualCrc !== frame.crc32) {
      throw new SnapshotTransferError(`chunk ${frame.seq} of transfer ${transfer.transferId} has CRC32 ${actualCrc.toString(16)}, expected ${frame.crc32.toString(16)}`);
    }
    if (transfer.filledBytes + frame.data.length > transfer.data.length) {
      throw new SnapshotTransferError(`transfer ${transfer.transferId} overflows its announced ${transfer.data.length} bytes`);
    }
    transfer.data.set(frame.data, transfer.filledBytes);
    transfer.hash.update(frame.data);
    transfer.filledBytes += frame.data.length;
    transfer.nextSeq += 1;
  }

  #end(transfer: Transfer, sha256: string): SnapshotMessage {
    this.#transfer = null;
    if (transfer.nextSeq !== transfer.chunkCount || transfer.filledBytes !== transfer.data.length) {
      throw new SnapshotTransferError(
        `transfer ${transfer.transferId} ended after ${transfer.nextSeq}/${transfer.chunkCount} chunks and ${transfer.filledBytes}/${transfer.data.length} bytes`,
      );
    }
    const actual = transfer.hash.digest('hex');
    if (actual !== sha256) throw new SnapshotTransferError(`transfer ${transfer.transferId} has SHA-256 ${actual}, sender says ${sha256}`);
    return { ...transfer.message, snapshot: { meta: transfer.message.snapshot.meta, data: transfer.data } };
  }
}
