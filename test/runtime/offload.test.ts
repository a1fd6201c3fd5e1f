/**
 * Offload: CPU-heavy one-shot jobs in the piscina pool, with results, typed
 * job errors, a timeout that really stops a spinning job, and cancellation
 * through an AbortSignal.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import {
  ActorSystem,
  InvalidOptionError,
  OffloadAbortedError,
  OffloadJobError,
  OffloadTimeoutError,
  SystemShutdownError,
} from '../../runtime/index.ts';
import { fixture } from './helpers.ts';

const system = await ActorSystem.start({ placement: 'single', offloadThreads: 1 });
t.teardown(() => system.shutdown());
const jobs = fixture('jobs.ts');

t.test('a job runs off the actor threads and returns its result', async (t) => {
  let expected = 'seed';
  for (let i = 0; i < 1_000; i += 1) expected = createHash('sha256').update(expected).digest('hex');
  t.equal(await system.offload({ module: jobs, export: 'chainHash', args: ['seed', 1_000] }), expected);
});

t.test('a job that throws rejects with OffloadJobError naming the cause', async (t) => {
  await t.rejects(system.offload({ module: jobs, export: 'failWith', args: ['bad input'] }), OffloadJobError);
  await t.rejects(system.offload({ module: jobs, export: 'failWith', args: ['bad input'] }), {
    code: 'OFFLOAD_JOB_FAILED',
    details: { causeMessage: 'bad input' },
  });
  await t.rejects(system.offload({ module: jobs, export: 'noSuchExport' }), { code: 'OFFLOAD_JOB_FAILED', details: { causeMessage: /no function export/ } });
});

t.test('a job past its timeout is stopped and rejects with OffloadTimeoutError', async (t) => {
  const startedMs = performance.now();
  await t.rejects(system.offload({ module: jobs, export: 'spinForever' }, { timeoutMs: 200 }), OffloadTimeoutError);
  t.ok(performance.now() - startedMs < 10_000, 'the spinning job did not hold the caller');
  t.equal(await system.offload({ module: jobs, export: 'chainHash', args: ['x', 1] }), createHash('sha256').update('x').digest('hex'), 'the pool still works after terminating a thread');
});

t.test('aborting the signal cancels the job with OffloadAbortedError', async (t) => {
  const controller = new AbortController();
  const running = system.offload({ module: jobs, export: 'spinForever' }, { signal: controller.signal, timeoutMs: 20_000 });
  setTimeout(() => controller.abort(), 100);
  await t.rejects(running, OffloadAbortedError);
  await t.rejects(system.offload({ module: jobs, export: 'chainHash', args: ['x', 1] }, { signal: controller.signal }), OffloadAbortedError, 'an already aborted signal refuses the job');
  await t.rejects(system.offload({ module: jobs, export: 'chainHash', args: ['x', 1] }, { timeoutMs: 0 }), InvalidOptionError);
});

t.test('after shutdown, offload refuses with SystemShutdownError', async (t) => {
  await system.shutdown();
  await t.rejects(system.offload({ module: jobs, export: 'chainHash', args: ['x', 1] }), SystemShutdownError);
});
