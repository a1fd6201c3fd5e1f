/**
 * `conclave snapshot save <file>`: etcdctl snapshot save. Streams the
 * member's Snapshot into `<file>.part` and renames it once complete, so a
 * failed or interrupted save never leaves a file that looks whole. A member
 * that does not offer Snapshot (Conclave does not yet) answers UNIMPLEMENTED,
 * reported as the error it is.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { parseArgs, runCommand, UsageError, withClient, type CommandIo } from './command-line.ts';

export const snapshotUsage = 'snapshot save <file>';

export function snapshotCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, {});
    const [action, file, ...extra] = args.positionals;
    if (action !== 'save' || file === undefined || extra.length > 0) throw new UsageError(`usage: conclave ${snapshotUsage}`);
    const partial = `${file}.part`;
    const output = createWriteStream(partial);
    try {
      await withClient(args, async (client) => {
        for await (const chunk of client.maintenance.snapshot()) {
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
    }
    io.out(`Snapshot saved at ${file}`);
  });
}
