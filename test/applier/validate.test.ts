import t from 'tap';
import { MVCC_ERRORS, MvccError } from '../../actors/applier/mvcc/errors.ts';
import type { RequestOp, TxnRequest } from '../../actors/applier/mvcc/requests.ts';
import { checkRequestSize, ETCD_DEFAULT_LIMITS, isReadOnlyTxn, validateRequest } from '../../actors/applier/mvcc/validate.ts';
import { b, Harness } from './helpers.ts';

const put = (key: string): RequestOp => ({ type: 'put', key: b(key), value: b('v') });
const del = (key: string, rangeEnd?: string): RequestOp => ({ type: 'delete-range', key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) });
const get = (key: string): RequestOp => ({ type: 'range', key: b(key) });
const txn = (success: RequestOp[], failure: RequestOp[] = [], compareKeys: string[] = []): RequestOp & TxnRequest => ({
  type: 'txn',
  compare: compareKeys.map((key) => ({ key: b(key), target: 'version', version: 0, result: 'equal' })),
  success,
  failure,
});
const many = (n: number, make: (i: number) => RequestOp): RequestOp[] => Array.from({ length: n }, (_, i) => make(i));

const cases: Array<[string, RequestOp, keyof typeof MVCC_ERRORS | null]> = [
  ['range with a key', get('a'), null],
  ['range with an empty key', get(''), 'emptyKey'],
  ['put with an empty key', put(''), 'emptyKey'],
  ['put ignoreValue with a value', { type: 'put', key: b('a'), value: b('x'), ignoreValue: true }, 'valueProvided'],
  ['put ignoreValue without a value', { type: 'put', key: b('a'), value: b(''), ignoreValue: true }, null],
  ['put ignoreLease with a lease', { type: 'put', key: b('a'), value: b('x'), ignoreLease: true, lease: 1 }, 'leaseProvided'],
  ['delete with an empty key', del(''), 'emptyKey'],
  ['txn compare with an empty key', txn([], [], ['']), 'emptyKey'],
  ['txn op with an empty key, in failure', txn([], [get('')]), 'emptyKey'],
  ['txn with an op of no known kind', txn([{ type: 'watch' } as unknown as RequestOp]), 'keyNotFound'],
  ['128 ops per branch is the limit', txn(many(128, (i) => put(`k${i}`)), many(128, (i) => put(`k${i}`))), null],
  ['129 success ops', txn(many(129, (i) => get(`k${i}`))), 'tooManyOps'],
  ['129 compares', txn([], [], many(129, () => get('x')).map((_, i) => `k${i}`)), 'tooManyOps'],
  ['a nested txn gets only the ops its parent left: 100 + 29 > 128', txn([...many(99, (i) => get(`k${i}`)), txn(many(29, (i) => get(`n${i}`)))]), 'tooManyOps'],
  ['a nested txn gets only the ops its parent left: 100 + 28 fits', txn([...many(99, (i) => get(`k${i}`)), txn(many(28, (i) => get(`n${i}`)))]), null],
  ['two puts of one key', txn([put('a'), put('a')]), 'duplicateKey'],
  ['the same key in success and failure', txn([put('a')], [put('a')]), null],
  ['put a key a delete covers', txn([del('a', 'c'), put('b')]), 'duplicateKey'],
  ['put a key a point delete covers', txn([put('b'), del('b')]), 'duplicateKey'],
  ['put just outside a delete range', txn([del('a', 'c'), put('c')]), null],
  ['put and a from-key delete (etcd quirk: not checked)', txn([put('b'), del('a', '\0')]), null],
  ['nested put under an outer delete', txn([del('a', 'z'), txn([put('m')])]), 'duplicateKey'],
  ['outer put under a nested delete', txn([put('m'), txn([del('a', 'z')])]), 'duplicateKey'],
  ['then/else of one nested txn put the same key', txn([txn([put('a')], [put('a')])]), null],
  ['two nested txns put the same key', txn([txn([put('a')]), txn([put('a')])]), 'duplicateKey'],
  ['else-put over an earlier sibling put', txn([txn([put('a')]), txn([], [put('a')])]), 'duplicateKey'],
  ['sibling nested delete after a nested put (etcd checks in order: not caught)', txn([txn([put('m')]), txn([del('a', 'z')])]), null],
  ['sibling nested put after a nested delete', txn([txn([del('a', 'z')]), txn([put('m')])]), 'duplicateKey'],
  ['deletes may overlap each other', txn([del('a', 'z'), del('b', 'c')]), null],
];

for (const [name, request, expected] of cases) {
  t.test(name, async (t) => {
    if (expected === null) {
      t.doesNotThrow(() => validateRequest(request, ETCD_DEFAULT_LIMITS));
      return;
    }
    const { grpcCode, message } = MVCC_ERRORS[expected];
    t.throws(() => validateRequest(request, ETCD_DEFAULT_LIMITS), { name: 'MvccError', kind: expected, grpcCode, message });
  });
}

t.test('etcd\'s exact codes and messages', async (t) => {
  t.same(
    Object.fromEntries(Object.entries(MVCC_ERRORS).map(([kind, { grpcCode, message }]) => [kind, `${grpcCode} ${message}`])),
    {
      emptyKey: '3 etcdserver: key is not provided',
      keyNotFound: '3 etcdserver: key not found',
      valueProvided: '3 etcdserver: value is provided',
      leaseProvided: '3 etcdserver: lease is provided',
      tooManyOps: '3 etcdserver: too many operations in txn request',
      duplicateKey: '3 etcdserver: duplicate key given in txn request',
      compacted: '11 etcdserver: mvcc: required revision has been compacted',
      futureRevision: '11 etcdserver: mvcc: required revision is a future revision',
      leaseNotFound: '5 etcdserver: requested lease not found',
      requestTooLarge: '3 etcdserver: request is too large',
    },
  );
  const error = new MvccError('compacted', 7);
  t.ok(error instanceof Error);
  t.equal(error.compactRevision, 7);
});

t.test('request size limit', async (t) => {
  t.doesNotThrow(() => checkRequestSize(1_572_864, ETCD_DEFAULT_LIMITS));
  t.throws(() => checkRequestSize(1_572_865, ETCD_DEFAULT_LIMITS), { kind: 'requestTooLarge', message: 'etcdserver: request is too large' });
});

t.test('the op-count limit is not applied by the store (member config must not decide replicated results)', async (t) => {
  const harness = new Harness();
  const response = harness.ok({ type: 'txn', compare: [], success: many(200, (i) => put(`k${i}`)), failure: [] });
  t.equal(response.revision, 2);
  t.equal(harness.store.range({ key: b('\0'), rangeEnd: b('\0'), countOnly: true }).count, 200);
  t.equal(harness.refused({ type: 'txn', compare: [], success: [put('a'), put('a')], failure: [] }), 'etcdserver: duplicate key given in txn request', 'stateless checks do run at apply time');
});

t.test('read-only txn detection', async (t) => {
  t.equal(isReadOnlyTxn(txn([get('a'), txn([get('b')], [get('c')])])), true);
  t.equal(isReadOnlyTxn(txn([get('a')], [txn([], [del('x')])])), false);
  t.equal(isReadOnlyTxn(txn([], [put('a')])), false);
});
