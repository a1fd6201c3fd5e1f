import t from 'tap';
import { GroupCommit, type GroupCommitLimits } from '../../actors/log-writer/group-commit.ts';
import { LogStoreFailedError, LogStoreOverloadedError } from '../../actors/log-writer/errors.ts';

/** A batch sink the test completes by hand, so "durable" is a moment the test controls. */
function manualSink() {
  const batches: { operations: readonly string[]; fsync: boolean; complete: () => void; fail: (error: Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const writeBatch = (operations: readonly string[], fsync: boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      batches.push({ operations, fsync, complete: resolve, fail: reject });
      for (const wake of waiters.splice(0)) wake();
    });
  /** Resolves once `count` batches have been handed to the sink. */
  const batchStarted = (count: number): Promise<void> =>
    batches.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push(() => void batchStarted(count).then(resolve)));
  return { batches, writeBatch, batchStarted };
}

const roomy: GroupCommitLimits = { maxQueuedRecords: 1000, maxQueuedBytes: 1_000_000, maxWaitingWrites: 1000 };

function point(index: number) {
  return { term: 1, index };
}

t.test('writes that arrive during a batch go together into the next one, resolved only when it completes', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test', writeBatch: sink.writeBatch });
  const resolved: number[] = [];
  const submit = async (index: number) => {
    const durable = await commit.submit([`op${index}`], 10, point(index));
    resolved.push(index);
    return durable;
  };

  const first = submit(1);
  await sink.batchStarted(1);
  const rest = [2, 3, 4].map(submit);
  t.same(sink.batches.map((b) => b.operations), [['op1']], 'the first write goes alone, the others wait');
  t.same(resolved, [], 'nothing resolves before the batch is durable');

  sink.batches[0]?.complete();
  t.same(await first, point(1));
  await sink.batchStarted(2);
  t.same(sink.batches[1]?.operations, ['op2', 'op3', 'op4'], 'one batch for everything that waited');
  t.same(resolved, [1], 'the waiting writes are not durable yet');

  sink.batches[1]?.complete();
  t.same(await Promise.all(rest), [point(4), point(4), point(4)], 'each reports the batch\'s durable point');
  t.same(resolved, [1, 2, 3, 4], 'resolved in submission order');
  t.match(commit.stats, { batches: 2, writes: 4, records: 4, bytes: 40, maxWritesPerBatch: 3, backpressureWaits: 0 });
});

t.test('a batch is fsynced when any write in it asks for that, and only written when none does', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test', writeBatch: sink.writeBatch });
  const alone = commit.submit(['commit-only 1'], 1, point(1), false);
  await sink.batchStarted(1);
  const mixed = [commit.submit(['commit-only 2'], 1, point(1), false), commit.submit(['entry 2'], 1, point(2))];
  sink.batches[0]?.complete();
  await alone;
  await sink.batchStarted(2);
  sink.batches[1]?.complete();
  await Promise.all(mixed);
  t.same(
    sink.batches.map((batch) => [batch.operations, batch.fsync]),
    [
      [['commit-only 1'], false],
      [['commit-only 2', 'entry 2'], true],
    ],
    'the unsynced write rides in order with the fsynced one after it',
  );
  t.match(commit.stats, { batches: 2, unsyncedBatches: 1 });
});

t.test('callers that write again as soon as their write is durable share the next batch', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test', writeBatch: sink.writeBatch });
  const callers = ['a', 'b', 'c'];
  const loops = callers.map(async (caller) => {
    await commit.submit([`${caller}1`], 1, point(1));
    await commit.submit([`${caller}2`], 1, point(2));
  });
  await sink.batchStarted(1);
  t.same(sink.batches[0]?.operations, ['a1', 'b1', 'c1'], 'writes submitted in one turn go together');
  sink.batches[0]?.complete();
  await sink.batchStarted(2);
  t.same(sink.batches[1]?.operations, ['a2', 'b2', 'c2'], 'their follow-up writes go together too');
  sink.batches[1]?.complete();
  await Promise.all(loops);
});

t.test('a full queue makes writes wait in order (backpressure), and refuses past the waiting bound', async (t) => {
  const sink = manualSink();
  const limits = { maxQueuedRecords: 2, maxQueuedBytes: 1_000_000, maxWaitingWrites: 2 };
  const commit = new GroupCommit<string>({ ...limits, dataDir: 'test', writeBatch: sink.writeBatch });
  const done = [commit.submit(['a'], 1, point(1))];
  await sink.batchStarted(1);
  done.push(commit.submit(['b', 'c'], 2, point(3)));
  done.push(commit.submit(['d'], 1, point(4)), commit.submit(['e'], 1, point(5)));
  t.equal(commit.stats.backpressureWaits, 2, 'two writes found the queue full');
  t.throws(() => commit.submit(['f'], 1, point(6)), LogStoreOverloadedError, 'a third waiting write is refused');
  t.throws(() => commit.assertAccepting(), LogStoreOverloadedError, 'the caller can check before committing to a write');

  sink.batches[0]?.complete();
  await sink.batchStarted(2);
  t.same(sink.batches[1]?.operations, ['b', 'c'], 'the queue bound caps the batch');
  sink.batches[1]?.complete();
  await sink.batchStarted(3);
  t.same(sink.batches[2]?.operations, ['d', 'e'], 'waiting writes follow, in order');
  sink.batches[2]?.complete();
  t.same((await Promise.all(done)).map((p) => p.index), [1, 3, 5, 5]);
});

t.test('a write larger than the queue bound goes alone', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ maxQueuedRecords: 1, maxQueuedBytes: 5, maxWaitingWrites: 4, dataDir: 'test', writeBatch: sink.writeBatch });
  const big = commit.submit(['x', 'y', 'z'], 100, point(3));
  await sink.batchStarted(1);
  t.same(sink.batches[0]?.operations, ['x', 'y', 'z']);
  sink.batches[0]?.complete();
  t.same(await big, point(3));
});

t.test('a failed batch rejects it and everything after it, and refuses later writes', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test-dir', writeBatch: sink.writeBatch });
  const first = commit.submit(['a'], 1, point(1));
  await sink.batchStarted(1);
  const queued = commit.submit(['b'], 1, point(2));
  const diskError = new Error('EIO');
  sink.batches[0]?.fail(diskError);
  await t.rejects(first, diskError, 'the batch\'s own writes get the I/O error');
  await t.rejects(queued, LogStoreFailedError, 'queued writes are refused');
  t.throws(() => commit.submit(['c'], 1, point(3)), LogStoreFailedError, 'so are later ones');
  t.equal(sink.batches.length, 1, 'nothing more reached the disk');
  await commit.whenIdle();
});

t.test('a write with no operations resolves in order, after the writes before it', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test', writeBatch: sink.writeBatch });
  const order: string[] = [];
  const first = commit.submit(['a'], 1, point(1)).then(() => order.push('a'));
  await sink.batchStarted(1);
  const empty = commit.submit([], 0, point(1)).then(() => order.push('empty'));
  sink.batches[0]?.complete();
  await sink.batchStarted(2);
  sink.batches[1]?.complete();
  await Promise.all([first, empty]);
  t.same(order, ['a', 'empty']);
});

t.test('whenIdle waits for every submitted write', async (t) => {
  const sink = manualSink();
  const commit = new GroupCommit<string>({ ...roomy, dataDir: 'test', writeBatch: sink.writeBatch });
  let idle = false;
  void commit.submit(['a'], 1, point(1));
  const idlePromise = commit.whenIdle().then(() => (idle = true));
  await sink.batchStarted(1);
  t.notOk(idle, 'not idle while a batch is in flight');
  sink.batches[0]?.complete();
  await idlePromise;
  t.ok(idle);
});

t.test('limits are checked up front', async (t) => {
  const sink = manualSink();
  t.throws(() => new GroupCommit<string>({ ...roomy, maxWaitingWrites: 0, dataDir: 'test', writeBatch: sink.writeBatch }), /maxWaitingWrites must be a positive integer/);
});
