import t from 'tap';
import type { Compare, RequestOp, TxnRequest } from '../../actors/applier/mvcc/requests.ts';
import { b, Harness, text, view, viewEvent } from './helpers.ts';

/** k=v (create 2, mod 3, version 2, lease 7); other=x (create 4). */
function fixture(): Harness {
  const h = new Harness([7, 8]);
  h.put('k', 'v0');
  h.put('k', 'v', 7);
  h.put('other', 'x');
  return h;
}

const put = (key: string, value: string, extra: Partial<Extract<RequestOp, { type: 'put' }>> = {}): RequestOp => ({ type: 'put', key: b(key), value: b(value), ...extra });
const get = (key: string, extra: Partial<Extract<RequestOp, { type: 'range' }>> = {}): RequestOp => ({ type: 'range', key: b(key), ...extra });
const del = (key: string, rangeEnd?: string): RequestOp => ({ type: 'delete-range', key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) });
const txn = (compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): TxnRequest & { type: 'txn' } => ({ type: 'txn', compare, success, failure });

type CompareSpec = [string, Compare['target'], Compare['result'], number | string, boolean, string?];
// [key, target, result, operand, holds, rangeEnd]
const compareTable: CompareSpec[] = [
  ['k', 'value', 'equal', 'v', true],
  ['k', 'value', 'equal', 'v0', false],
  ['k', 'value', 'not-equal', 'v0', true],
  ['k', 'value', 'greater', 'u', true],
  ['k', 'value', 'less', 'u', false],
  ['k', 'value', 'less', 'w', true],
  ['k', 'version', 'equal', 2, true],
  ['k', 'version', 'greater', 1, true],
  ['k', 'version', 'less', 2, false],
  ['k', 'create', 'equal', 2, true],
  ['k', 'mod', 'equal', 3, true],
  ['k', 'mod', 'less', 4, true],
  ['k', 'lease', 'equal', 7, true],
  ['k', 'lease', 'not-equal', 7, false],
  // A missing key compares as version/create/mod/lease 0 ...
  ['missing', 'version', 'equal', 0, true],
  ['missing', 'create', 'equal', 0, true],
  ['missing', 'mod', 'less', 1, true],
  ['missing', 'lease', 'equal', 0, true],
  // ... but any value compare on it fails, even against the empty value.
  ['missing', 'value', 'equal', '', false],
  ['missing', 'value', 'not-equal', 'x', false],
  // Over a range, the compare must hold for every key in it.
  ['a', 'create', 'greater', 1, true, 'z'],
  ['a', 'create', 'greater', 2, false, 'z'],
  ['a', 'version', 'equal', 1, false, 'z'],
  ['a', 'mod', 'greater', 0, true, '\0'],
  // An empty range behaves like a missing key.
  ['x', 'version', 'equal', 0, true, 'y'],
  ['x', 'value', 'equal', '', false, 'y'],
];

const toCompare = ([key, target, result, operand, , rangeEnd]: CompareSpec): Compare => {
  const base = { key: b(key), result, ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) };
  switch (target) {
    case 'value':
      return { ...base, target, value: b(operand as string) };
    case 'version':
      return { ...base, target, version: operand as number };
    case 'create':
      return { ...base, target, createRevision: operand as number };
    case 'mod':
      return { ...base, target, modRevision: operand as number };
    case 'lease':
      return { ...base, target, lease: operand as number };
  }
};

for (const spec of compareTable) {
  const [key, target, result, operand, holds, rangeEnd] = spec;
  t.test(`compare ${target}(${key}${rangeEnd === undefined ? '' : `..${JSON.stringify(rangeEnd)}`}) ${result} ${JSON.stringify(operand)} -> ${holds}`, async (t) => {
    const h = fixture();
    const response = h.ok(txn([toCompare(spec)], [get('k')], [get('other')]));
    if (response.type !== 'txn') throw new Error('not a txn response');
    t.equal(response.succeeded, holds);
    t.equal(response.revision, 4, 'a read-only path creates no revision');
  });
}

t.test('all compares must hold; an empty compare list succeeds', async (t) => {
  const h = fixture();
  const both = h.ok(txn([toCompare(['k', 'version', 'equal', 2, true]), toCompare(['k', 'value', 'equal', 'nope', false])], []));
  t.equal(both.type === 'txn' && both.succeeded, false);
  const none = h.ok(txn([], []));
  t.equal(none.type === 'txn' && none.succeeded, true);
});

t.test('a txn is one revision with sub revisions in op order', async (t) => {
  const h = fixture();
  const result = h.apply(txn([], [put('a', '1'), del('other'), put('b', '2'), get('a', {})]));
  if (result.status !== 'applied' || result.response.type !== 'txn') throw new Error('txn refused');
  const { response, events } = result;
  t.equal(response.revision, 5);
  t.same(response.responses.map((r) => [r.type, r.revision]), [['put', 5], ['delete-range', 5], ['put', 5], ['range', 5]]);
  t.same(events.map((e) => [e.type, text(e.kv.key), e.kv.modRevision]), [['put', 'a', 5], ['delete', 'other', 5], ['put', 'b', 5]]);
  const range = response.responses[3];
  t.same(range?.type === 'range' ? range.kvs.map(view) : null, [{ key: 'a', value: '1', createRevision: 5, modRevision: 5, version: 1, lease: 0 }], 'a later op reads the txn\'s own write');
  t.equal(h.store.currentRevision, 5);
});

t.test('response revisions inside a txn follow etcd: reads before the first write see the old revision', async (t) => {
  const h = fixture();
  const response = h.ok(txn([], [get('k'), del('missing'), put('a', '1'), del('missing')]));
  if (response.type !== 'txn') throw new Error('not txn');
  t.same(response.responses.map((r) => r.revision), [4, 4, 5, 5]);
});

t.test('the failure branch runs when a compare fails', async (t) => {
  const h = fixture();
  const response = h.ok(txn([toCompare(['k', 'value', 'equal', 'nope', false])], [put('s', '1')], [put('f', '1')]));
  t.equal(response.type === 'txn' && response.succeeded, false);
  t.same(h.dump(), ['f=1', 'k=v', 'other=x']);
});

t.test('nested txn: inner compares see the state before the outer ops ran', async (t) => {
  const h = fixture();
  // The outer txn writes k=new first; the nested compare still sees k=v.
  const inner = txn([toCompare(['k', 'value', 'equal', 'v', true])], [put('inner', 'saw-old')], [put('inner', 'saw-new')]);
  const response = h.ok(txn([], [put('k', 'new'), inner, get('inner')]));
  if (response.type !== 'txn') throw new Error('not txn');
  t.same(h.dump(), ['inner=saw-old', 'k=new', 'other=x']);
  const nested = response.responses[1];
  t.same(nested?.type === 'txn' ? [nested.succeeded, nested.responses.map((r) => r.type), nested.revision] : null, [true, ['put'], 0], 'etcd 3.4 leaves a nested txn\'s header revision at 0');
  const read = response.responses[2];
  t.same(read?.type === 'range' ? read.kvs.map((kv) => text(kv.value)) : null, ['saw-old']);
  t.equal(response.revision, 5, 'nested writes share the outer revision');
});

t.test('nested txn on its failure branch, two levels deep', async (t) => {
  const h = fixture();
  const deepest = txn([toCompare(['other', 'version', 'equal', 1, true])], [put('deep', 'yes')]);
  const middle = txn([toCompare(['k', 'lease', 'equal', 8, false])], [put('middle', 'success')], [deepest, put('middle', 'failure')]);
  h.ok(txn([], [middle]));
  t.same(h.dump(), ['deep=yes', 'k=v', 'middle=failure', 'other=x']);
});

t.test('state checks refuse the whole txn before anything changes', async (t) => {
  const cases: Array<[string, RequestOp[], string]> = [
    ['ignore_value on a missing key', [put('a', '1'), put('missing', '', { ignoreValue: true })], 'etcdserver: key not found'],
    ['unknown lease', [put('a', '1'), put('b', '1', { lease: 99 })], 'etcdserver: requested lease not found'],
    ['unknown lease in a nested txn', [put('a', '1'), txn([], [put('b', '1', { lease: 99 })])], 'etcdserver: requested lease not found'],
    ['future range revision', [put('a', '1'), get('k', { revision: 5 })], 'etcdserver: mvcc: required revision is a future revision'],
    ['puts are checked before ranges', [get('k', { revision: 99 }), put('b', '1', { lease: 99 })], 'etcdserver: requested lease not found'],
    ['inside a txn the ignore target is checked before the lease', [put('missing', '', { ignoreValue: true, lease: 99 })], 'etcdserver: key not found'],
    ['duplicate put', [put('a', '1'), put('a', '2')], 'etcdserver: duplicate key given in txn request'],
    ['put inside a deleted range', [del('a', 'c'), put('b', '2')], 'etcdserver: duplicate key given in txn request'],
    ['put in a nested txn over an outer put', [put('a', '1'), txn([], [put('a', '2')])], 'etcdserver: duplicate key given in txn request'],
  ];
  for (const [name, ops, message] of cases) {
    const h = fixture();
    const before = h.store.hashKv(0);
    t.equal(h.refused(txn([], ops)), message, name);
    t.same(h.store.hashKv(0), before, `${name}: nothing changed`);
  }
});

t.test('a failed branch is not checked', async (t) => {
  const h = fixture();
  const response = h.ok(txn([toCompare(['k', 'value', 'equal', 'v', true])], [put('a', '1')], [put('b', '1', { lease: 99 })]));
  t.equal(response.type === 'txn' && response.succeeded, true);
});

t.test('then/else of one nested txn may put the same key', async (t) => {
  const h = fixture();
  h.ok(txn([], [txn([toCompare(['k', 'version', 'equal', 1, false])], [put('a', 'then')], [put('a', 'else')])]));
  t.same(h.dump(), ['a=else', 'k=v', 'other=x']);
});

t.test('etcd quirk kept: a from-key delete does not conflict with a put of the same txn', async (t) => {
  const h = fixture();
  // etcd 3.4 compares the literal range_end "\0", which covers no key; the put comes first, then the delete removes it.
  const result = h.apply(txn([], [put('z', '1'), del('k', '\0')]));
  if (result.status !== 'applied') throw new Error('refused');
  t.same(h.dump(), []);
  t.same(result.events.map((e) => [e.type, text(e.kv.key), e.kv.modRevision]), [['put', 'z', 5], ['delete', 'k', 5], ['delete', 'other', 5], ['delete', 'z', 5]]);
  const del2 = result.events[3];
  t.equal(del2?.prevKv, null, 'prevKv is the state before the txn (z did not exist)');
  h.ok(txn([], [del('k', '\0'), put('k', 'back')]));
  t.same(h.store.range({ key: b('k') }).kvs.map(view), [{ key: 'k', value: 'back', createRevision: 6, modRevision: 6, version: 1, lease: 0 }]);
});

t.test('ignore flags inside a txn use the current value and lease', async (t) => {
  const h = fixture();
  h.ok(txn([], [put('k', '', { ignoreValue: true, ignoreLease: true })]));
  t.same(h.store.range({ key: b('k') }).kvs.map(view), [{ key: 'k', value: 'v', createRevision: 2, modRevision: 5, version: 3, lease: 7 }]);
});

t.test('read-only txns run without Raft and refuse writes', async (t) => {
  const h = fixture();
  const response = h.store.readOnlyTxn({ compare: [toCompare(['k', 'version', 'equal', 2, true])], success: [get('k'), txn([], [get('other')])], failure: [] });
  t.equal(response.succeeded, true);
  t.equal(response.revision, 4);
  t.throws(() => h.store.readOnlyTxn({ compare: [], success: [], failure: [put('a', '1')] }), /propose it through Raft/);
  t.throws(() => h.store.readOnlyTxn({ compare: [], success: [get('k', { revision: 50 })], failure: [] }), { name: 'MvccError', kind: 'futureRevision' });
});

t.test('events of a txn come in sub-revision order with prevKv', async (t) => {
  const h = fixture();
  const result = h.apply(txn([], [put('k', 'v2', { lease: 8 }), del('other')]));
  if (result.status !== 'applied') throw new Error('refused');
  t.same(result.events.map(viewEvent), [
    { type: 'put', kv: { key: 'k', value: 'v2', createRevision: 2, modRevision: 5, version: 3, lease: 8 }, prevKv: { key: 'k', value: 'v', createRevision: 2, modRevision: 3, version: 2, lease: 7 } },
    { type: 'delete', kv: { key: 'other', value: '', createRevision: 0, modRevision: 5, version: 0, lease: 0 }, prevKv: { key: 'other', value: 'x', createRevision: 4, modRevision: 4, version: 1, lease: 0 } },
  ]);
  t.same(h.store.keysForLease(7).map(text), [], 'k moved from lease 7 ...');
  t.same(h.store.keysForLease(8).map(text), ['k'], '... to lease 8');
});

t.test('an ignore_* put after a delete of its key in the same txn is refused before any write (etcd 3.4 panics here)', async (t) => {
  const h = fixture();
  const before = h.store.hashKv(0);
  t.equal(h.refused(txn([], [del('a', '\0'), put('k', '', { ignoreValue: true })])), 'etcdserver: key not found');
  t.equal(h.refused(txn([], [txn([], [del('\0', '\0')]), put('k', 'v2', { ignoreLease: true })])), 'etcdserver: key not found', 'the delete may sit in a nested txn');
  t.same(h.store.hashKv(0), before, 'nothing changed');
  h.ok(txn([], [put('k', '', { ignoreValue: true }), del('l', '\0')]));
  t.same(h.dump(), ['k=v'], 'a delete after the put is fine');
});
