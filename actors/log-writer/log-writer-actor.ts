/**
 * The log-writer actor: owns the member's durable Raft log (classic-level)
 * and answers the raft actor's persistence requests. Every answer to an
 * `append` means "durable up to": the raft actor sends nothing that depends
 * on those entries before it has it.
 */
import { defineActor, matchType } from '../../runtime/index.ts';
import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';
import { openLevelLogStore } from './level-log-store.ts';
import type { DurableUpTo, RecoveredLog } from './log-store.ts';

export type LogWriterMessage =
  | { readonly type: 'recover' }
  | { readonly type: 'append'; readonly entries: readonly Entry[]; readonly hardState: HardState | null; readonly fsync?: boolean }
  | { readonly type: 'save-snapshot'; readonly snapshot: Snapshot }
  | { readonly type: 'compact'; readonly upToIndex: number }
  | { readonly type: 'close' };

export interface LogWriterArgs {
  readonly dataDir: string;
  readonly clusterId: number;
  readonly memberId: number;
}

export const logWriterActor = defineActor<LogWriterMessage, LogWriterArgs>(async (args) => {
  const store = await openLevelLogStore(args);
  return matchType<LogWriterMessage>({
    recover: (): RecoveredLog => store.recover(),
    append: (message): Promise<DurableUpTo> =>
      store.append(message.entries, message.hardState ?? undefined, { fsync: message.fsync ?? true }),
    'save-snapshot': (message): Promise<DurableUpTo> => store.saveSnapshot(message.snapshot),
    compact: (message): Promise<DurableUpTo> => store.compact(message.upToIndex),
    close: (): Promise<void> => store.close(),
  });
});
