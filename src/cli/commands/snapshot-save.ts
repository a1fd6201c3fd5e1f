/**
 * `conclave snapshot save <file>`: etcdctl snapshot save. Streams the
 * member's Snapshot (src/server/snapshot-stream.ts: the file, then its
 * SHA-256) into `<file>.part` and renames it once complete, so a failed or
 * interrupted save never leaves a file that looks whole. On a terminal a
 * progress bar shows the bytes received of the total, which the first chunk
 * tells (its length, the bytes still to come, and the 32-byte SHA-256 chunk).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { outputFormat, parseArgs, UsageError, withClient, type CommandIo } from './command-line.ts';
import { ByteProgress } from './progress.ts';
import { SNAPSHOT_DIGEST_BYTES } from './snapshot-read.ts';

export const snapshotSaveUsage = 'snapshot save <file>';


export async function snapshotSaveCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseArgs(argv, {});
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('snapshot save expects one argument');
  const json = outputFormat(args) === 'json';
  const partial = `${file}.part`;
  const output = createWriteStream(partial);
  // Started by the first chunk (in a callback, so TypeScript's narrowing of a plain `let` would not see it).
  const shown: { progress: ByteProgress | null } = { progress: null };
  let remainingBytes = 0;
  const onRemainingBytes = (remaining: number): void => {
    remainingBytes = remaining;
  };
  try {
    await withClient(args, async (client) => {
      for await (const chunk of client.maintenance.snapshot({ onRemainingBytes })) {
        shown.progress ??= ByteProgress.start(io.progress, { label: 'saving', totalBytes: chunk.length + remainingBytes + SNAPSHOT_DIGEST_BYTES, json });
        shown.progress?.advance(chunk.length);
        if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
      }
    });
    output.end();
    await finished(output);
    await rename(partial, file);
  } catch (error) {
    output.destroy();
    await rm(partial, { force: true });
    throw error;
  } finally {
    shown.progress?.finish();
  }
  io.out(`Snapshot saved at ${file}`);
}
