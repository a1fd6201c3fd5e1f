/** The watch hub's public API (pure logic; the actor shell wraps it). */
export { WatchHub } from './watch-hub.ts';
export type { WatchHubOptions, CatchUpReport } from './watch-hub.ts';
export type { WatchRequest, WatchCreated, WatchResponse, WatchFilter, HistoryReader } from './types.ts';
export { WatchError, HistoryCompactedError, COMPACTED_REASON } from './errors.ts';
export type { WatchErrorCode } from './errors.ts';
export { prefixEnd } from './key-range.ts';
