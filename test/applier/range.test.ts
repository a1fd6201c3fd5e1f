import t from 'tap';
import type { RangeRequest } from '../../actors/applier/mvcc/requests.ts';
import { MvccError } from '../../actors/applier/mvcc/errors.ts';
import { b, Harness, text } from './helpers.ts';

/**
 * Fixture (revisions in brackets):
 *   a=1 [2], b=22 [3], c=3 [4], b=2 [5] (b: version 2), d=444 [6], e=0 [7], a deleted [8], a=a [9]
 * Now: a=a (create 9, mod 9, v1), b=2 (create 3, mod 5, v2), c=3 (4,4,1), d=444 (6,6,1), e=0 (7,7,1)
 */
function fixture(): Harness {
  const h = new Harness();
  h.put('a', '1');
  h.put('b', '22');
  h.put('c', '3');
  h.put('b', '2');
  h.put('d', '444');
  h.put('e', '0');
  h.del('a');
  h.put('a', 'a');
  return h;
}

type RangeSpec = Omit<RangeRequest, 'key' | 'rangeEnd'> & { key: string; rangeEnd?: string };

const keysOf = (h: Harness, request: RangeSpec): { keys: string[]; more: boolean; count: number } => {
  const { key, rangeEnd, ...rest } = request;
  const response = h.store.range({ ...rest, key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) });
  return { keys: response.kvs.map((kv) => text(kv.key)), more: response.more, count: response.count };
};

const rangeCases: Array<{ name: string; request: RangeSpec; keys: string[]; more?: boolean; count: number }> = [
  { name: 'single key', request: { key: 'b' }, keys: ['b'], count: 1 },
  { name: 'single missing key', request: { key: 'bb' }, keys: [], count: 0 },
  { name: '[b, d)', request: { key: 'b', rangeEnd: 'd' }, keys: ['b', 'c'], count: 2 },
  { name: 'prefix (caller gives range_end)', request: { key: 'c', rangeEnd: 'd' }, keys: ['c'], count: 1 },
  { name: 'from key (range_end "\\0")', request: { key: 'c', rangeEnd: '\0' }, keys: ['c', 'd', 'e'], count: 3 },
  { name: 'all keys ("\\0", "\\0")', request: { key: '\0', rangeEnd: '\0' }, keys: ['a', 'b', 'c', 'd', 'e'], count: 5 },
  { name: 'range_end == key is empty (no error, as etcd)', request: { key: 'b', rangeEnd: 'b' }, keys: [], count: 0 },
  { name: 'range_end < key is empty (no error, as etcd)', request: { key: 'd', rangeEnd: 'b' }, keys: [], count: 0 },
  { name: 'limit: more and the full count', request: { key: '\0', rangeEnd: '\0', limit: 2 }, keys: ['a', 'b'], more: true, count: 5 },
  { name: 'limit equal to the size: no more', request: { key: '\0', rangeEnd: '\0', limit: 5 }, keys: ['a', 'b', 'c', 'd', 'e'], more: false, count: 5 },
  { name: 'negative limit means none', request: { key: '\0', rangeEnd: '\0', limit: -1 }, keys: ['a', 'b', 'c', 'd', 'e'], count: 5 },
  { name: 'countOnly', request: { key: '\0', rangeEnd: '\0', countOnly: true }, keys: [], count: 5 },
  { name: 'sort key descend', request: { key: '\0', rangeEnd: '\0', sortOrder: 'descend' }, keys: ['e', 'd', 'c', 'b', 'a'], count: 5 },
  { name: 'sort version descend (ties keep key order)', request: { key: '\0', rangeEnd: '\0', sortTarget: 'version', sortOrder: 'descend' }, keys: ['b', 'a', 'c', 'd', 'e'], count: 5 },
  { name: 'sort create ascend', request: { key: '\0', rangeEnd: '\0', sortTarget: 'create', sortOrder: 'ascend' }, keys: ['b', 'c', 'd', 'e', 'a'], count: 5 },
  { name: 'sort mod descend', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod', sortOrder: 'descend' }, keys: ['a', 'e', 'd', 'b', 'c'], count: 5 },
  { name: 'sort value ascend', request: { key: '\0', rangeEnd: '\0', sortTarget: 'value', sortOrder: 'ascend' }, keys: ['e', 'b', 'c', 'd', 'a'], count: 5 },
  { name: 'target other than key with order none sorts ascending', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod' }, keys: ['c', 'b', 'd', 'e', 'a'], count: 5 },
  { name: 'sort + limit: sorted over every key, then cut', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod', sortOrder: 'descend', limit: 2 }, keys: ['a', 'e'], more: true, count: 5 },
  { name: 'etcd quirk: order none + other target + limit sorts only the first limit+1 keys', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod', limit: 2 }, keys: ['c', 'b'], more: true, count: 5 },
  { name: 'etcd quirk, visible: limit 1 sorts a and b only, so c (lowest mod) is missed', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod', limit: 1 }, keys: ['b'], more: true, count: 5 },
  { name: 'with sort order ascend the same request sorts every key', request: { key: '\0', rangeEnd: '\0', sortTarget: 'mod', sortOrder: 'ascend', limit: 1 }, keys: ['c'], more: true, count: 5 },
  { name: 'minModRevision (count ignores filters, as etcd)', request: { key: '\0', rangeEnd: '\0', minModRevision: 6 }, keys: ['a', 'd', 'e'], count: 5 },
  { name: 'maxModRevision', request: { key: '\0', rangeEnd: '\0', maxModRevision: 5 }, keys: ['b', 'c'], count: 5 },
  { name: 'minCreateRevision', request: { key: '\0', rangeEnd: '\0', minCreateRevision: 6 }, keys: ['a', 'd', 'e'], count: 5 },
  { name: 'maxCreateRevision', request: { key: '\0', rangeEnd: '\0', maxCreateRevision: 3 }, keys: ['b'], count: 5 },
  { name: 'filter + limit: more counts filtered keys', request: { key: '\0', rangeEnd: '\0', minCreateRevision: 4, limit: 2 }, keys: ['a', 'c'], more: true, count: 5 },
  { name: 'past revision 5: a=1, b, c', request: { key: '\0', rangeEnd: '\0', revision: 5 }, keys: ['a', 'b', 'c'], count: 3 },
  { name: 'past revision 8: a deleted', request: { key: '\0', rangeEnd: '\0', revision: 8 }, keys: ['b', 'c', 'd', 'e'], count: 4 },
  { name: 'revision 1: the empty store', request: { key: '\0', rangeEnd: '\0', revision: 1 }, keys: [], count: 0 },
  { name: 'negative revision means current', request: { key: 'a', revision: -3 }, keys: ['a'], count: 1 },
];

for (const c of rangeCases) {
  t.test(c.name, async (t) => {
    const got = keysOf(fixture(), c.request);
    t.same(got.keys, c.keys, 'keys');
    t.equal(got.count, c.count, 'count');
    t.equal(got.more, c.more ?? false, 'more');
  });
}

t.test('values and metadata at past revisions', async (t) => {
  const h = fixture();
  const at = (revision: number) => h.store.range({ key: b('b'), revision }).kvs.map((kv) => [text(kv.value), kv.createRevision, kv.modRevision, kv.version]);
  t.same(at(3), [['22', 3, 3, 1]]);
  t.same(at(4), [['22', 3, 3, 1]]);
  t.same(at(5), [['2', 3, 5, 2]]);
  t.same(h.store.range({ key: b('a'), revision: 7 }).kvs.map((kv) => [text(kv.value), kv.createRevision]), [['1', 2]], 'the first generation of a');
});

t.test('response revision is the current one, even when reading the past', async (t) => {
  const h = fixture();
  t.equal(h.store.range({ key: b('a'), revision: 3 }).revision, 9);
});

t.test('keysOnly leaves values empty', async (t) => {
  const response = fixture().store.range({ key: b('a'), rangeEnd: b('c'), keysOnly: true });
  t.same(response.kvs.map((kv) => [text(kv.key), kv.value.length, kv.version]), [['a', 0, 1], ['b', 0, 2]]);
});

t.test('a future revision is refused with etcd\'s error', async (t) => {
  const h = fixture();
  t.throws(() => h.store.range({ key: b('a'), revision: 10 }), { name: 'MvccError', kind: 'futureRevision', grpcCode: 11, message: 'etcdserver: mvcc: required revision is a future revision' });
  t.equal(h.store.range({ key: b('a'), revision: 9 }).count, 1, 'the current revision is readable');
});

t.test('an empty key is refused', async (t) => {
  t.throws(() => fixture().store.range({ key: b('') }), new MvccError('emptyKey'));
});

t.test('reads do not change the store', async (t) => {
  const h = fixture();
  const before = h.store.hashKv(0);
  h.store.range({ key: b('\0'), rangeEnd: b('\0'), sortTarget: 'value', sortOrder: 'descend', limit: 1 });
  t.same(h.store.hashKv(0), before);
});
