import t from 'tap';
import fc from 'fast-check';
import { BinaryKeyBTree } from '../../actors/applier/mvcc/btree.ts';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string } | { kind: 'range'; low: string; high: string | null; stopAfter: number };

// Few distinct keys over a small alphabet, so sets, overwrites and deletes collide often.
const keyArb = fc.string({ unit: fc.constantFrom('\x00', 'a', 'b', '\x80', '\xff'), minLength: 0, maxLength: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keyArb, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('range' as const), low: keyArb, high: fc.option(keyArb, { nil: null }), stopAfter: fc.integer({ min: 1, max: 200 }) }) },
);

t.test('behaves like a sorted map under random sets, deletes and range walks', async (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 400 }), fc.constantFrom(8, 9, 16), (ops, maxNodeSize) => {
      const tree = new BinaryKeyBTree<number>(maxNodeSize);
      const model = new Map<string, number>();
      for (const op of ops) {
        if (op.kind === 'set') {
          const isNew = !model.has(op.key);
          model.set(op.key, op.value);
          if (tree.set(op.key, op.value) !== isNew) return false;
        } else if (op.kind === 'delete') {
          if (tree.delete(op.key) !== model.delete(op.key)) return false;
        } else {
          const expected = [...model.keys()].sort().filter((k) => k >= op.low && (op.high === null || k < op.high)).slice(0, op.stopAfter);
          const seen: string[] = [];
          tree.forRange(op.low, op.high, (key) => {
            seen.push(key);
            return seen.length < op.stopAfter;
          });
          if (seen.join('|') !== expected.join('|')) return false;
        }
        tree.checkInvariants();
      }
      for (const [key, value] of model) if (tree.get(key) !== value) return false;
      return tree.size === model.size;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random operation sequences matched the model');
});

t.test('grows and shrinks through many levels', async (t) => {
  const tree = new BinaryKeyBTree<number>(8);
  const keys = Array.from({ length: 5000 }, (_, i) => String(i * 7919 % 5000).padStart(4, '0'));
  keys.forEach((key, i) => tree.set(key, i));
  tree.checkInvariants();
  t.equal(tree.size, 5000);
  keys.slice(0, 4990).forEach((key) => tree.delete(key));
  tree.checkInvariants();
  t.equal(tree.size, 10);
  const left: string[] = [];
  tree.forRange('', null, (key) => void left.push(key));
  t.same(left, keys.slice(4990).sort());
  keys.slice(4990).forEach((key) => tree.delete(key));
  t.equal(tree.size, 0);
  t.equal(tree.get('0001'), undefined);
  tree.set('x', 1);
  t.equal(tree.get('x'), 1, 'usable again after being emptied');
  tree.checkInvariants();
});

t.test('rejects a node size too small to split', async (t) => {
  t.throws(() => new BinaryKeyBTree(4), RangeError);
});
