/**
 * Turns a run of events for one watcher into responses: one response, or,
 * for a watch that asked for fragments, several no larger than
 * `maxResponseBytes` each (at least one event each), all but the last marked
 * `fragment` so the client reassembles them, as etcd's sendFragments does.
 */

import type { ChangeEvent } from '../applier/mvcc/types.ts';
import type { WatchResponse } from './types.ts';

export function eventResponses(
  watchId: number,
  revision: number,
  events: readonly ChangeEvent[],
  sizes: readonly number[],
  maxResponseBytes: number | null,
): WatchResponse[] {
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  if (maxResponseBytes === null || totalBytes <= maxResponseBytes || events.length < 2) {
    return [{ kind: 'events', watchId, revision, events, fragment: false }];
  }
  const responses: WatchResponse[] = [];
  let start = 0;
  while (start < events.length) {
    let end = start + 1;
    let bytes = sizes[start]!;
    while (end < events.length && bytes + sizes[end]! <= maxResponseBytes) {
      bytes += sizes[end]!;
      end += 1;
    }
    responses.push({ kind: 'events', watchId, revision, events: events.slice(start, end), fragment: end < events.length });
    start = end;
  }
  return responses;
}
