import t from 'tap';
import fc from 'fast-check';
import { checkLinearizable, explain, kvModel } from './linearizability/index.ts';
import type { KvInput, KvOperation, KvOutput } from './linearizability/index.ts';

const put = (key: string, value: string): KvInput => ({ kind: 'put', key, value });
const get = (key: string): KvInput => ({ kind: 'get', key });
const cas = (key: string, expected: string | null, value: string): KvInput => ({ kind: 'cas', key, expected, value });
const putOk: KvOutput = { kind: 'put' };
const read = (value: string | null): KvOutput => ({ kind: 'get', value });
const casResult = (ok: boolean): KvOutput => ({ kind: 'cas', ok });

function done(client: number, input: KvInput, callAt: number, returnAt: number, output: KvOutput): KvOperation {
  return { client, input, callAt, response: { output, returnAt } };
}
function pending(client: number, input: KvInput, callAt: number): KvOperation {
  return { client, input, callAt, response: null };
}
const verdict = (history: KvOperation[]) => checkLinearizable(kvModel, history).verdict;

t.test('a sequential history that follows the register semantics is linearizable', async (t) => {
  t.equal(
    verdict([
      done(1, get('a'), 0, 1, read(null)),
      done(1, put('a', 'x'), 2, 3, putOk),
      done(2, get('a'), 4, 5, read('x')),
      done(2, cas('a', 'x', 'y'), 6, 7, casResult(true)),
      done(1, cas('a', 'x', 'z'), 8, 9, casResult(false)),
      done(1, get('a'), 10, 11, read('y')),
    ]),
    'ok',
  );
});

t.test('overlapping operations may take effect in either order', async (t) => {
  const writes = [done(1, put('a', 'x'), 0, 10, putOk), done(2, put('a', 'y'), 1, 9, putOk)];
  t.equal(verdict([...writes, done(3, get('a'), 11, 12, read('x'))]), 'ok', 'x last');
  t.equal(verdict([...writes, done(3, get('a'), 11, 12, read('y'))]), 'ok', 'y last');
  t.equal(verdict([...writes, done(3, get('a'), 5, 6, read(null))]), 'ok', 'a read during both writes may see neither');
  t.equal(verdict([...writes, done(3, get('a'), 11, 12, read(null))]), 'illegal', 'but not after both returned');
  t.equal(verdict([done(1, put('a', 'x'), 0, 5, putOk), done(2, get('a'), 5, 6, read(null))]), 'ok', 'equal return and call times count as concurrent');
});

t.test('a stale read after an acknowledged write is rejected, with a readable explanation', async (t) => {
  const history = [
    done(1, put('a', 'x'), 0, 1, putOk),
    done(1, put('a', 'y'), 2, 3, putOk),
    done(2, get('a'), 4, 5, read('x')),
  ];
  const result = checkLinearizable(kvModel, history);
  t.equal(result.verdict, 'illegal');
  const text = explain(kvModel, result);
  t.match(text, /partition a: illegal/);
  t.match(text, /cannot be linearized next: client 2: get\(a\) @4 -> "x" @5/);
});

t.test('an explanation shows the end of a long linearization, where it broke', async (t) => {
  const history: KvOperation[] = [];
  for (let i = 0; i < 20; i++) history.push(done(1, put('a', `v${i}`), 2 * i, 2 * i + 1, putOk));
  history.push(done(2, get('a'), 100, 101, read('v3')));
  const text = explain(kvModel, checkLinearizable(kvModel, history));
  t.match(text, /longest linearization \(its last 12 operations; 8 before them\):/);
  t.match(text, /put\(a, "v19"\) @38 -> ok @39\n  cannot be linearized next: client 2: get\(a\) @100 -> "v3" @101/);
  t.notMatch(text, /"v7"/, 'the hidden start is left out');
});

t.test('a lost write (acknowledged, then read as absent) is rejected', async (t) => {
  t.equal(verdict([done(1, put('a', 'x'), 0, 1, putOk), done(2, get('a'), 2, 3, read(null))]), 'illegal');
  t.equal(
    verdict([
      done(1, put('a', 'x'), 0, 4, putOk),
      done(2, put('a', 'y'), 1, 2, putOk),
      done(3, get('a'), 5, 6, read('y')),
      done(3, get('a'), 7, 8, read('x')),
    ]),
    'illegal',
    'reads cannot flip back to a value already overwritten',
  );
});

t.test('compare-and-set anomalies are rejected', async (t) => {
  t.equal(
    verdict([done(1, cas('a', null, 'x'), 0, 5, casResult(true)), done(2, cas('a', null, 'y'), 0, 5, casResult(true))]),
    'illegal',
    'two creates of one key cannot both succeed',
  );
  t.equal(verdict([done(1, put('a', 'x'), 0, 1, putOk), done(2, cas('a', 'x', 'y'), 2, 3, casResult(false))]), 'illegal', 'a cas that should match cannot fail');
  t.equal(verdict([done(1, cas('a', 'x', 'y'), 0, 1, casResult(true))]), 'illegal', 'a cas on an absent key cannot match');
  t.equal(
    verdict([done(1, cas('a', null, 'x'), 0, 5, casResult(true)), done(2, cas('a', null, 'y'), 0, 5, casResult(false)), done(3, get('a'), 6, 7, read('x'))]),
    'ok',
  );
});

t.test('a pending operation may or may not have taken effect, but not both', async (t) => {
  const base = [done(1, put('a', 'x'), 0, 1, putOk), pending(2, put('a', 'y'), 2)];
  t.equal(verdict([...base, done(3, get('a'), 10, 11, read('y'))]), 'ok', 'took effect');
  t.equal(verdict([...base, done(3, get('a'), 10, 11, read('x'))]), 'ok', 'did not take effect (yet)');
  t.equal(
    verdict([...base, done(3, get('a'), 10, 11, read('x')), done(3, get('a'), 12, 13, read('y'))]),
    'ok',
    'took effect late',
  );
  t.equal(
    verdict([...base, done(3, get('a'), 10, 11, read('y')), done(3, get('a'), 12, 13, read('x'))]),
    'illegal',
    'cannot be undone once seen',
  );
  t.equal(verdict([pending(2, put('a', 'y'), 5), done(3, get('a'), 0, 1, read('y'))]), 'illegal', 'cannot take effect before it is called');
  t.equal(verdict([pending(2, cas('a', null, 'y'), 0), done(3, get('a'), 1, 2, read('y'))]), 'ok', 'a pending cas may apply');
  t.equal(
    verdict([done(1, put('a', 'x'), 0, 1, putOk), pending(2, cas('a', null, 'y'), 2), done(3, get('a'), 3, 4, read('y'))]),
    'illegal',
    'a pending cas applies only if it matches',
  );
  const result = checkLinearizable(kvModel, [done(1, put('a', 'x'), 0, 1, putOk), pending(2, get('a'), 2)]);
  t.equal(result.partitions[0]?.operationCount, 1, 'a pending read is dropped before the search');
});

t.test('keys are checked independently and the illegal one is named', async (t) => {
  const result = checkLinearizable(kvModel, [
    done(1, put('a', 'x'), 0, 1, putOk),
    done(1, put('b', 'x'), 0, 1, putOk),
    done(2, get('b'), 2, 3, read('x')),
    done(2, get('a'), 2, 3, read(null)),
  ]);
  t.equal(result.verdict, 'illegal');
  t.same(
    result.partitions.map((p) => [p.label, p.verdict]),
    [
      ['a', 'illegal'],
      ['b', 'ok'],
    ],
  );
});

t.test('malformed histories are refused', async (t) => {
  t.throws(() => checkLinearizable(kvModel, [done(1, put('a', 'x'), 5, 4, putOk)]), RangeError);
  t.throws(() => checkLinearizable(kvModel, [done(1, put('a', 'x'), 0, 1, read('x'))]), TypeError);
  t.throws(() => checkLinearizable(kvModel, [], { maxStepsPerPartition: 0, timeLimitMs: 1 }), RangeError);
});

/** Many overlapping writes and a concurrent read of a value nobody wrote: proving it illegal means visiting every subset. */
function hardHistory(writes: number): KvOperation[] {
  const history: KvOperation[] = [];
  for (let i = 0; i < writes; i++) history.push(done(i, put('a', `v${i}`), 0, 100, putOk));
  history.push(done(writes, get('a'), 0, 100, read('never-written')));
  return history;
}

t.test('the search is bounded: an intractable history is reported unknown, not hung on', async (t) => {
  const bySteps = checkLinearizable(kvModel, hardHistory(40), { maxStepsPerPartition: 50_000, timeLimitMs: 60_000 });
  t.equal(bySteps.verdict, 'unknown');
  t.equal(bySteps.partitions[0]?.steps, 50_001);
  const started = performance.now();
  const byTime = checkLinearizable(kvModel, hardHistory(40), { maxStepsPerPartition: Number.MAX_SAFE_INTEGER, timeLimitMs: 50 });
  t.equal(byTime.verdict, 'unknown');
  t.ok(performance.now() - started < 5_000, 'gave up near its time limit');
  t.equal(checkLinearizable(kvModel, hardHistory(10)).verdict, 'illegal', 'a small instance is decided');
});

/**
 * Histories recorded from a real atomic register: each operation takes effect
 * at a distinct instant inside its [call, return] interval (pending ones may
 * never take effect). The checker must accept every one of them; and when the
 * intervals do not overlap, changing any read's answer must be rejected.
 */
const plannedOp = fc.record({
  kind: fc.constantFrom('put', 'get', 'cas'),
  key: fc.constantFrom('a', 'b'),
  value: fc.constantFrom('p', 'q', 'r'),
  expected: fc.constantFrom<string | null>(null, 'p', 'q'),
  before: fc.nat(20),
  after: fc.nat(20),
  pending: fc.boolean(),
  takesEffect: fc.boolean(),
});
type PlannedOp = typeof plannedOp extends fc.Arbitrary<infer T> ? T : never;

function record(plans: readonly PlannedOp[], overlap: boolean): KvOperation[] {
  const registers = new Map<string, string | null>();
  return plans.map((plan, i) => {
    const at = i * 100;
    const input: KvInput =
      plan.kind === 'put' ? put(plan.key, plan.value) : plan.kind === 'get' ? get(plan.key) : cas(plan.key, plan.expected, plan.value);
    const isPending = overlap && plan.pending;
    if (isPending && !plan.takesEffect) return pending(i, input, at - plan.before);
    const current = registers.get(plan.key) ?? null;
    let output: KvOutput;
    if (input.kind === 'put') {
      registers.set(input.key, input.value);
      output = putOk;
    } else if (input.kind === 'get') {
      output = read(current);
    } else {
      const ok = current === input.expected;
      if (ok) registers.set(input.key, input.value);
      output = casResult(ok);
    }
    if (isPending) return pending(i, input, at - plan.before);
    return overlap ? done(i, input, at - plan.before * 6, at + plan.after * 6, output) : done(i, input, at - plan.before, at + plan.after, output);
  });
}

t.test('property: every history of a real atomic register is accepted', async (t) => {
  fc.assert(
    fc.property(fc.array(plannedOp, { maxLength: 40 }), (plans) => checkLinearizable(kvModel, record(plans, true)).verdict === 'ok'),
    { seed: 7, numRuns: 300 },
  );
  t.pass('300 generated histories accepted');
});

t.test('property: a sequential history with one read answer changed is rejected', async (t) => {
  fc.assert(
    fc.property(fc.array(plannedOp, { minLength: 1, maxLength: 30 }), fc.nat(), (plans, pick) => {
      const history = record(plans, false);
      const reads = history.flatMap((operation, i) => (operation.input.kind === 'get' ? [i] : []));
      fc.pre(reads.length > 0);
      const target = reads[pick % reads.length]!;
      const original = history[target]!;
      const seen = original.response!.output;
      const wrong = seen.kind === 'get' && seen.value === 'p' ? 'q' : 'p';
      history[target] = { ...original, response: { output: read(wrong), returnAt: original.response!.returnAt } };
      return checkLinearizable(kvModel, history).verdict === 'illegal';
    }),
    { seed: 11, numRuns: 300 },
  );
  t.pass('300 corrupted histories rejected');
});
