/**
 * `conclave snapshot save|status|restore`: etcdctl's snapshot commands.
 * save fetches a member's state (snapshot-save.ts); status summarises a saved
 * file (snapshot-status.ts); restore turns one into the data directory of a
 * member of a new cluster (snapshot-restore.ts).
 */
import { runCommand, UsageError, type CommandIo } from './command-line.ts';
import { snapshotRestoreCommand, snapshotRestoreUsage } from './snapshot-restore.ts';
import { snapshotSaveCommand, snapshotSaveUsage } from './snapshot-save.ts';
import { snapshotStatusCommand, snapshotStatusUsage } from './snapshot-status.ts';

const actions = {
  save: snapshotSaveCommand,
  status: snapshotStatusCommand,
  restore: snapshotRestoreCommand,
} as const satisfies Record<string, (argv: readonly string[], io: CommandIo) => Promise<void>>;

/** One line each, indented like the other commands in the top-level usage text. */
const actionUsages = [snapshotSaveUsage, snapshotStatusUsage, snapshotRestoreUsage];
export const snapshotUsage = actionUsages.join('\n  ');

export function snapshotCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const [action, ...rest] = argv;
    if (action === undefined || !Object.hasOwn(actions, action)) throw new UsageError(`usage: conclave ${actionUsages.join(' | ')}`);
    await actions[action as keyof typeof actions](rest, io);
  });
}
