import t from 'tap';
import type { CommandResponse, MvccCommand } from '../../actors/applier/mvcc/commands.ts';
import { b, Harness, view, viewEvent, type KvView } from './helpers.ts';

const kv = (key: string, value: string, createRevision: number, modRevision: number, version: number, lease = 0): KvView => ({ key, value, createRevision, modRevision, version, lease });

interface PutCase {
  name: string;
  /** Commands applied first (must succeed). */
  setup: MvccCommand[];
  command: MvccCommand;
  /** The response, with KeyValues as views; or the refusal message. */
  expect: { revision: number; prevKv?: KvView | null; deleted?: number; prevKvs?: KvView[] } | string;
  /** The key space afterwards. */
  after: string[];
}

const put = (key: string, value: string, extra: Partial<Extract<MvccCommand, { type: 'put' }>> = {}): MvccCommand => ({ type: 'put', key: b(key), value: b(value), ...extra });
const del = (key: string, rangeEnd?: string, prevKv = false): MvccCommand => ({ type: 'delete-range', key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }), prevKv });

const cases: PutCase[] = [
  { name: 'first put of an empty store gets revision 2 (etcd starts at 1)', setup: [], command: put('a', '1'), expect: { revision: 2, prevKv: null }, after: ['a=1'] },
  { name: 'prevKv returns the value replaced', setup: [put('a', '1')], command: put('a', '2', { prevKv: true }), expect: { revision: 3, prevKv: kv('a', '1', 2, 2, 1) }, after: ['a=2'] },
  { name: 'prevKv of a new key is absent', setup: [put('b', '1')], command: put('a', '2', { prevKv: true }), expect: { revision: 3, prevKv: null }, after: ['a=2', 'b=1'] },
  { name: 'ignoreValue keeps the value and bumps the version', setup: [put('a', 'old', { lease: 5 })], command: put('a', '', { ignoreValue: true, prevKv: true }), expect: { revision: 3, prevKv: kv('a', 'old', 2, 2, 1, 5) }, after: ['a=old'] },
  { name: 'ignoreValue on a missing key: key not found', setup: [], command: put('a', '', { ignoreValue: true }), expect: 'etcdserver: key not found', after: [] },
  { name: 'ignoreLease on a missing key: key not found', setup: [], command: put('a', 'v', { ignoreLease: true }), expect: 'etcdserver: key not found', after: [] },
  { name: 'ignoreValue with a value: value is provided', setup: [put('a', '1')], command: put('a', 'x', { ignoreValue: true }), expect: 'etcdserver: value is provided', after: ['a=1'] },
  { name: 'ignoreLease with a lease: lease is provided', setup: [put('a', '1')], command: put('a', 'x', { ignoreLease: true, lease: 5 }), expect: 'etcdserver: lease is provided', after: ['a=1'] },
  { name: 'an unknown lease: requested lease not found', setup: [], command: put('a', '1', { lease: 99 }), expect: 'etcdserver: requested lease not found', after: [] },
  { name: 'lease checked before the ignore target outside a txn', setup: [], command: put('a', '', { ignoreValue: true, lease: 99 }), expect: 'etcdserver: requested lease not found', after: [] },
  { name: 'an empty key: key is not provided', setup: [], command: put('', '1'), expect: 'etcdserver: key is not provided', after: [] },
  { name: 'delete of one key', setup: [put('a', '1'), put('b', '2')], command: del('a', undefined, true), expect: { revision: 4, deleted: 1, prevKvs: [kv('a', '1', 2, 2, 1)] }, after: ['b=2'] },
  { name: 'delete of a missing key keeps the revision', setup: [put('a', '1')], command: del('z'), expect: { revision: 2, deleted: 0, prevKvs: [] }, after: ['a=1'] },
  { name: 'delete of [b, d)', setup: [put('a', '1'), put('b', '2'), put('c', '3'), put('d', '4')], command: del('b', 'd'), expect: { revision: 6, deleted: 2, prevKvs: [] }, after: ['a=1', 'd=4'] },
  { name: 'delete from key (range_end "\\0")', setup: [put('a', '1'), put('b', '2'), put('c', '3')], command: del('b', '\0'), expect: { revision: 5, deleted: 2, prevKvs: [] }, after: ['a=1'] },
  { name: 'delete of every key ("\\0", "\\0")', setup: [put('a', '1'), put('b', '2')], command: del('\0', '\0', true), expect: { revision: 4, deleted: 2, prevKvs: [kv('a', '1', 2, 2, 1), kv('b', '2', 3, 3, 1)] }, after: [] },
  { name: 'range_end below key deletes nothing (etcd: no error)', setup: [put('a', '1'), put('b', '2')], command: del('b', 'a'), expect: { revision: 3, deleted: 0, prevKvs: [] }, after: ['a=1', 'b=2'] },
  { name: 'delete with an empty key: key is not provided', setup: [], command: del(''), expect: 'etcdserver: key is not provided', after: [] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const h = new Harness([5]);
    for (const command of c.setup) h.ok(command);
    if (typeof c.expect === 'string') {
      const before = h.store.currentRevision;
      t.equal(h.refused(c.command), c.expect);
      t.equal(h.store.currentRevision, before, 'a refusal creates no revision');
    } else {
      const response: CommandResponse = h.ok(c.command);
      t.equal(response.revision, c.expect.revision, 'revision');
      if (response.type === 'put') t.same(response.prevKv === null ? null : view(response.prevKv), c.expect.prevKv ?? null, 'prevKv');
      if (response.type === 'delete-range') {
        t.equal(response.deleted, c.expect.deleted, 'deleted');
        t.same(response.prevKvs.map(view), c.expect.prevKvs, 'prevKvs');
      }
    }
    t.same(h.dump(), c.after, 'key space after');
  });
}

t.test('versions count puts since creation; deletion resets them and a new generation starts', async (t) => {
  const h = new Harness();
  h.put('k', 'v1'); // rev 2
  h.put('k', 'v2'); // rev 3
  h.put('k', 'v3'); // rev 4
  const get = () => view(h.store.range({ key: b('k') }).kvs[0]!);
  t.same(get(), kv('k', 'v3', 2, 4, 3));
  h.del('k'); // rev 5
  t.equal(h.store.range({ key: b('k') }).kvs.length, 0);
  h.put('k', 'again'); // rev 6
  t.same(get(), kv('k', 'again', 6, 6, 1), 'a new generation: create revision and version restart');
});

t.test('write events carry the change and the previous value', async (t) => {
  const h = new Harness();
  h.put('a', '1');
  const second = h.apply({ type: 'put', key: b('a'), value: b('2') });
  t.equal(second.status, 'applied');
  if (second.status !== 'applied') return;
  t.same(second.events.map(viewEvent), [{ type: 'put', kv: kv('a', '2', 2, 3, 2), prevKv: kv('a', '1', 2, 2, 1) }]);
  const deletion = h.apply({ type: 'delete-range', key: b('a'), rangeEnd: b('b') });
  if (deletion.status !== 'applied') throw new Error('delete refused');
  t.same(deletion.events.map(viewEvent), [{ type: 'delete', kv: kv('a', '', 0, 4, 0), prevKv: kv('a', '2', 2, 3, 2) }], 'a delete event zeroes all but key and mod revision');
  const nothing = h.apply({ type: 'delete-range', key: b('a') });
  if (nothing.status !== 'applied') throw new Error('delete refused');
  t.same(nothing.events, [], 'deleting nothing emits nothing');
});

t.test('binary keys and values keep every byte and order like bytes.Compare', async (t) => {
  const h = new Harness();
  const keys = ['\xff', '\x00\x01', '\x80', 'a', '\x7f'];
  for (const key of keys) h.put(key, `${key}\x00\xe9`);
  const got = h.store.range({ key: b('\0'), rangeEnd: b('\0') }).kvs.map(view);
  t.same(got.map((x) => x.key), ['\x00\x01', 'a', '\x7f', '\x80', '\xff']);
  t.same(got.map((x) => x.value), ['\x00\x01\x00\xe9', 'a\x00\xe9', '\x7f\x00\xe9', '\x80\x00\xe9', '\xff\x00\xe9']);
});

t.test('stored bytes are copies: mutating a request after apply changes nothing', async (t) => {
  const h = new Harness();
  const key = b('k');
  const value = b('v');
  h.ok({ type: 'put', key, value });
  value[0] = 0x78;
  key[0] = 0x78;
  t.same(h.dump(), ['k=v']);
});
