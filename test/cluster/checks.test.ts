/** The end-of-run checks must be able to fail: each is shown a broken case next to a sound one. */
import t from 'tap';
import { startCluster } from '../../src/cli/local-cluster/launcher.ts';
import type { LoadResult } from './support/client-load.ts';
import { hashKvProblems, linearizabilityProblems, lostWriteProblems } from './support/cluster-checks.ts';
import { MemberClient } from './support/member-client.ts';
import { program, programMissing, timing } from './support/fault-run.ts';
import type { KvOperation } from '../sim/linearizability/index.ts';

const timeoutMs = 5_000;

function history(operations: KvOperation[]): LoadResult {
  return { operations, acknowledgedWrites: [], counts: { acknowledged: operations.length, indeterminate: 0, neverSent: 0 } };
}

t.test('the linearizability check rejects a stale read and accepts a fresh one', async (t) => {
  const put: KvOperation = { client: 0, input: { kind: 'put', key: 'k', value: 'a' }, callAt: 0, response: { output: { kind: 'put' }, returnAt: 1 } };
  const read = (value: string | null): KvOperation => ({ client: 1, input: { kind: 'get', key: 'k' }, callAt: 2, response: { output: { kind: 'get', value }, returnAt: 3 } });
  t.same(linearizabilityProblems(history([put, read('a')])), []);
  t.match(linearizabilityProblems(history([put, read(null)]))[0], /not proven linearizable/);
});

t.test(`${program}: a lost write and diverging members are reported`, { skip: programMissing }, async (t) => {
  const startOne = async () => {
    const cluster = await startCluster({ program, size: 1, ...timing, stopGraceMs: 2_000 });
    t.teardown(() => cluster.stop());
    return cluster;
  };
  const [one, two] = [await startOne(), await startOne()];
  const clientOne = new MemberClient(one.endpoints[0] ?? '');
  const clientTwo = new MemberClient(two.endpoints[0] ?? '');
  t.teardown(() => {
    clientOne.close();
    clientTwo.close();
  });
  const written = await clientOne.put('k', 'v1', timeoutMs);
  await clientTwo.put('k', 'other', timeoutMs);
  const revision = BigInt(written.header?.revision ?? '0');

  const acked = (value: string): LoadResult => ({ ...history([]), acknowledgedWrites: [{ key: 'k', value, revision }] });
  t.same(await lostWriteProblems(clientOne, acked('v1')), [], 'a stored write is found at its revision');
  t.match((await lostWriteProblems(clientOne, acked('never-written')))[0], /is lost/, 'a write that is not there is reported');

  t.same(await hashKvProblems(one.endpoints), [], 'a member agrees with itself');
  t.match((await hashKvProblems([...one.endpoints, ...two.endpoints]))[0], /HashKV at revision 2 differs/, 'members with different contents are reported');
});
