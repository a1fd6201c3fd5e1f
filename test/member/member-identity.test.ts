import t from 'tap';
import { FRESH_ID_ATTEMPTS_MAX, MemberIdExhaustedError, clusterIdOf, freshMemberIdOf, memberIdOf, type IdEntropy } from '../../actors/member/member-identity.ts';

const urls = ['http://127.0.0.1:2380'];
const nobodyHasIt = () => false;
const isSafeId = (id: number) => Number.isSafeInteger(id) && id > 0;

t.test('bootstrap IDs stay what every existing data directory recorded', async (t) => {
  // Values the derivation gave before runtime-added members got fresh IDs: bootstrapped data directories hold them.
  const a = memberIdOf(urls, 'etcd-cluster');
  const b = memberIdOf(['http://10.0.0.2:2380', 'http://10.0.0.1:2380'], 'tok');
  t.equal(a, 1226079983439801);
  t.equal(b, 3304764404394418);
  t.equal(clusterIdOf([a, b], 'tok'), 302154342800682);
});

t.test('MemberAdd IDs are fresh: the same URLs twice give two IDs, neither the bootstrap one', async (t) => {
  const first = freshMemberIdOf(urls, 'etcd-cluster', nobodyHasIt);
  const second = freshMemberIdOf(urls, 'etcd-cluster', nobodyHasIt);
  t.not(first, second);
  t.ok(isSafeId(first) && isSafeId(second), 'positive and below 2^53');
  t.not(first, memberIdOf(urls, 'etcd-cluster'));
  t.not(second, memberIdOf(urls, 'etcd-cluster'));
});

t.test('a taken ID is never handed out; the attempts are bounded', async (t) => {
  // Pinned entropy: every attempt differs only by its attempt number.
  const pinned: IdEntropy = { nowMs: () => 1_700_000_000_000, randomBytes: (size) => new Uint8Array(size) };
  const unconstrained = freshMemberIdOf(urls, 'tok', nobodyHasIt, pinned);
  t.equal(freshMemberIdOf(urls, 'tok', nobodyHasIt, pinned), unconstrained, 'the same entropy gives the same ID');
  const asked: number[] = [];
  const next = freshMemberIdOf(urls, 'tok', (id) => (asked.push(id), id === unconstrained), pinned);
  t.not(next, unconstrained, 'the taken candidate is skipped');
  t.same(asked, [unconstrained, next]);

  let candidates = 0;
  t.throws(() => freshMemberIdOf(urls, 'tok', () => (candidates += 1) > 0, pinned), MemberIdExhaustedError);
  t.equal(candidates, FRESH_ID_ATTEMPTS_MAX);
  t.throws(() => freshMemberIdOf([], 'tok', nobodyHasIt), TypeError, 'a member needs a peer URL');
});
