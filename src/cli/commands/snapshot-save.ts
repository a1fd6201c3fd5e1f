/**
 * `conclave snapshot save <file>`: etcdctl snapshot save. Streams the
 * member's Snapshot (src/server/snapshot-stream.ts: the file, then its
 * SHA-256) into `<file>.part` and renames it once complete, so a failed or
 * interrupted save never leaves a file that looks whole. On a terminal the
 * bytes received and the rate are shown as they arrive; the total is not
 * known up front (the client's stream hands out the chunks only).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { outputFormat, parseArgs, UsageError, withClient, type CommandIo } from './command-line.ts';
import { ByteProgress } from './progress.ts';

export const snapshotSaveUsage = 'snapshot save <file>';

export async function snapshotSaveCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseArgs(argv, {});
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('snapshot save expects one argument');
  const json = outputFormat(args) === 'json';
  const partial = `${file}.part`;
  const output = createWriteStream(partial);
  const progress = ByteProgress.start(io.progress, { label: 'saving', totalBytes: null, json });
  try {
    await withClient(args, async (client) => {
      for await (const chunk of client.maintenance.snapshot()) {
        progress?.advance(chunk.length);
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
    progress?.finish();
  }
  io.out(`Snapshot saved at ${file}`);
}
