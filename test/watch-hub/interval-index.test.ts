import t from 'tap';
import fc from 'fast-check';
import { IntervalIndex } from '../../actors/watch-hub/interval-index.ts';
import { AFTER_ALL_KEYS } from '../../actors/watch-hub/key-bytes.ts';

t.test('stabbing queries: half-open intervals, shared starts, unbounded ends', async (t) => {
  const index = new IntervalIndex<string>();
  index.add('b', 'd', '[b,d)');
  index.add('b', 'c', '[b,c)');
  index.add('a', AFTER_ALL_KEYS, '[a,...)');
  const handle = index.add('c', 'e', '[c,e)');
  const at = (point: string): string[] => {
    const found: string[] = [];
    index.forEachContaining(point, (v) => found.push(v));
    return found.sort();
  };
  t.same(at('a'), ['[a,...)']);
  t.same(at('b'), ['[a,...)', '[b,c)', '[b,d)']);
  t.same(at('c'), ['[a,...)', '[b,d)', '[c,e)'], 'an end is exclusive');
  t.same(at('\xff\xff'), ['[a,...)'], 'from-key reaches past every key');
  t.same(at(''), []);
  index.remove(handle);
  t.same(at('c'), ['[a,...)', '[b,d)']);
  t.equal(index.size, 3);
  t.throws(() => index.remove(handle), /not in the index/);
  t.throws(() => index.add('b', 'b', 'empty'), /start must be before end/);
});

const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\xff'), maxLength: 3 });

t.test('property: queries agree with a brute-force scan through any sequence of adds and removes', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.tuple(fc.constant('add' as const), keyArb, fc.oneof(keyArb, fc.constant(AFTER_ALL_KEYS))), fc.tuple(fc.constant('remove' as const), fc.nat())), { maxLength: 80 }),
      fc.array(keyArb, { minLength: 1, maxLength: 10 }),
      (operations, points) => {
        const index = new IntervalIndex<number>();
        const live: { start: string; end: string; id: number; handle: ReturnType<typeof index.add> }[] = [];
        let id = 0;
        for (const operation of operations) {
          if (operation[0] === 'add') {
            const [, start, end] = operation;
            if (!(start < end)) continue;
            live.push({ start, end, id, handle: index.add(start, end, id) });
            id += 1;
          } else if (live.length > 0) {
            const [removed] = live.splice(operation[1] % live.length, 1);
            index.remove(removed!.handle);
          }
          for (const point of points) {
            const found: number[] = [];
            index.forEachContaining(point, (v) => found.push(v));
            const expected = live.filter((i) => i.start <= point && point < i.end).map((i) => i.id);
            if (found.sort((a, b) => a - b).join() !== expected.sort((a, b) => a - b).join()) return false;
          }
        }
        return index.size === live.length;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random sequences agreed with brute force');
});
