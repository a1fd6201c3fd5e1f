/**
 * What every checker reports: which property broke, when (virtual time),
 * and a sentence that names the members, terms and indexes involved.
 */
export type CheckerName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'commit-safety'
  | 'state-machine-safety'
  | 'acked-write-lost'
  | 'linearizability'
  | 'liveness'
  | 'core-invariant';

export interface Violation {
  readonly checker: CheckerName;
  readonly timeMs: number;
  readonly message: string;
}

/** A log as the checkers read it: entries after `snapshotIndex`, up to `lastIndex`. */
export interface LogView {
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  entry(index: number): { readonly term: number; readonly data: Uint8Array } | undefined;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
