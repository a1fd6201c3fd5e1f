import t from 'tap';
import { HeldRequests } from '../../actors/lease-wheel/held-requests.ts';

t.test('held requests come back in arrival order, by deadline or all at once, and never more than the bound', async (t) => {
  const held = new HeldRequests<string>(3);
  t.equal(held.hold('a', 100), true);
  t.equal(held.hold('b', 300), true);
  t.equal(held.hold('c', 200), true);
  t.equal(held.hold('d', 400), false, 'full: the caller refuses it');
  t.same(held.takeExpired(99), []);
  t.same(held.takeExpired(200), ['a', 'c'], 'deadline at or before now');
  t.equal(held.size, 1);
  t.equal(held.hold('e', 500), true);
  t.same(held.takeAll(), ['b', 'e']);
  t.equal(held.size, 0);
  t.throws(() => new HeldRequests(0), RangeError);
});
