/**
 * etcd 3.4's Range semantics over the key index (etcdserver/apply.go Range
 * and mvcc rangeKeys), including its less obvious rules:
 * - `count` is the number of keys in the range at the read revision, before
 *   `limit` and before the min/max revision filters;
 * - with no sort and no filter, only limit + 1 keys are fetched (in key
 *   order) and then sorted: a sort target other than key with sort order
 *   "none" sorts ascending, but only among those fetched keys;
 * - the response revision is the store's current revision, whatever
 *   revision was read;
 * - ties in a sort keep key order (etcd leaves their order unspecified).
 *
 * Never: mutate state; every read is a pure function of (state, request).
 */
import { MvccError } from './errors.ts';
import { toKeyValue } from './events.ts';
import type { RevisionRecord } from './history.ts';
import { toKeyRange } from './keys.ts';
import type { KvState } from './kv-state.ts';
import type { RangeRequest, RangeResponse, SortTarget } from './requests.ts';

/**
 * The revision a read at `requested` sees, given the reader's current
 * revision; throws etcd's future/compacted errors.
 */
export function resolveReadRevision(state: KvState, requested: number, currentRevision: number): number {
  if (!Number.isSafeInteger(requested)) throw new TypeError(`revision must be a safe integer, got ${requested}`);
  if (requested > currentRevision) throw new MvccError('futureRevision');
  const revision = requested <= 0 ? currentRevision : requested;
  if (revision < state.compactRevision) throw new MvccError('compacted', state.compactRevision);
  return revision;
}

type RecordOrder = (a: RevisionRecord, b: RevisionRecord) => number;

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ORDERS: Record<SortTarget, RecordOrder> = {
  key: (a, b) => byString(a.key, b.key),
  version: (a, b) => a.version - b.version,
  create: (a, b) => a.createRevision - b.createRevision,
  mod: (a, b) => a.main - b.main,
  value: (a, b) => byString(a.value, b.value),
};

function sortRecords(records: RevisionRecord[], request: RangeRequest): void {
  const target = request.sortTarget ?? 'key';
  let order = request.sortOrder ?? 'none';
  // Results come in key order already, so etcd sorts by default only for other targets.
  if (order === 'none' && target !== 'key') order = 'ascend';
  if (order === 'none') return;
  const compare = ORDERS[target];
  if (order === 'ascend') records.sort(compare);
  else records.sort((a, b) => compare(b, a));
}

function passesFilters(record: RevisionRecord, request: RangeRequest): boolean {
  const { minModRevision = 0, maxModRevision = 0, minCreateRevision = 0, maxCreateRevision = 0 } = request;
  if (maxModRevision !== 0 && record.main > maxModRevision) return false;
  if (minModRevision !== 0 && record.main < minModRevision) return false;
  if (maxCreateRevision !== 0 && record.createRevision > maxCreateRevision) return false;
  if (minCreateRevision !== 0 && record.createRevision < minCreateRevision) return false;
  return true;
}

function hasFilters(request: RangeRequest): boolean {
  return (request.minModRevision ?? 0) !== 0 || (request.maxModRevision ?? 0) !== 0 ||
    (request.minCreateRevision ?? 0) !== 0 || (request.maxCreateRevision ?? 0) !== 0;
}

/** Range as etcd answers it, read by a reader whose current revision is `currentRevision`. */
export function readRange(state: KvState, request: RangeRequest, currentRevision: number): RangeResponse {
  const revision = resolveReadRevision(state, request.revision ?? 0, currentRevision);
  const limit = Math.max(0, request.limit ?? 0);
  if (!Number.isSafeInteger(limit)) throw new TypeError(`limit must be a safe integer, got ${request.limit}`);
  const fetchAll = (request.sortOrder ?? 'none') !== 'none' || hasFilters(request);
  const fetchLimit = request.countOnly === true ? 0 : fetchAll || limit === 0 ? Number.POSITIVE_INFINITY : limit + 1;
  let records: RevisionRecord[] = [];
  let count = 0;
  state.forEachVisible(toKeyRange(request.key, request.rangeEnd), revision, (record) => {
    count++;
    if (records.length < fetchLimit) records.push(record);
  });
  if (hasFilters(request)) records = records.filter((record) => passesFilters(record, request));
  sortRecords(records, request);
  let more = false;
  if (limit > 0 && records.length > limit) {
    records.length = limit;
    more = true;
  }
  const keysOnly = request.keysOnly === true;
  return { revision: currentRevision, kvs: records.map((record) => toKeyValue(record, keysOnly)), more, count };
}
