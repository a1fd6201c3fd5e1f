/**
 * The typed errors the watch surface raises. Messages clients know from etcd
 * 3.4 are kept word for word; `code` lets a frontend map each to a gRPC
 * status or a cancel reason without parsing messages.
 */

export type WatchErrorCode = 'empty-range' | 'watcher-not-found' | 'too-many-watchers' | 'invalid-start-revision';

export class WatchError extends Error {
  readonly code: WatchErrorCode;

  constructor(code: WatchErrorCode, message: string) {
    super(message);
    this.name = 'WatchError';
    this.code = code;
  }
}

/** A range whose end is not after its start (etcd refuses it at create). */
export const emptyRange = (): WatchError => new WatchError('empty-range', 'mvcc: watcher range is empty');

export const watcherNotFound = (watchId: number): WatchError =>
  new WatchError('watcher-not-found', `mvcc: watcher does not exist (watch ID ${watchId})`);

export const tooManyWatchers = (maxWatchers: number): WatchError =>
  new WatchError('too-many-watchers', `conclave: too many watchers (the limit is ${maxWatchers}); cancel unused watches or raise maxWatchers`);

export const invalidStartRevision = (revision: number): WatchError =>
  new WatchError('invalid-start-revision', `conclave: watch start revision must be a non-negative integer below 2^53, got ${revision}`);

/** The cancel reason of a watch whose start (or catch-up position) fell below the compaction. */
export const COMPACTED_REASON = 'etcdserver: mvcc: required revision has been compacted';

/**
 * What a history reader throws when asked for revisions already compacted:
 * the compaction may land between the hub's check and the read.
 */
export class HistoryCompactedError extends Error {
  readonly compactRevision: number;

  constructor(compactRevision: number) {
    super(`${COMPACTED_REASON} (compacted at ${compactRevision})`);
    this.name = 'HistoryCompactedError';
    this.compactRevision = compactRevision;
  }
}
