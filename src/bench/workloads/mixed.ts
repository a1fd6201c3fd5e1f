/**
 * `mixed`: each operation is a read with probability --read-ratio, else a
 * write, over the same seeded key space; reads and writes also get their own
 * latency histograms ('read', 'write') beside the combined one.
 */
import { etcdMethods } from '../../proto/load.ts';
import { formatKey, KeyPicker, makeValue } from '../keys.ts';
import type { Workload, WorkloadContext } from '../workload.ts';
import { seedKeySpace } from './seed.ts';

export function createMixedWorkload(ctx: WorkloadContext): Workload {
  const { keySpace, seqKeys, keySizeBytes, valSizeBytes, consistency, readRatio } = ctx.options;
  const picker = new KeyPicker(keySpace, seqKeys, ctx.share.index, ctx.share.count);
  const value = makeValue(valSizeBytes);
  const serializable = consistency === 'serializable';
  const reads = ctx.histogram('read');
  const writes = ctx.histogram('write');
  return {
    setup: async () => {
      if (ctx.share.seeds) await seedKeySpace(ctx, value);
    },
    op: async (client) => {
      const key = formatKey(picker.next(), keySizeBytes);
      const conn = ctx.connFor(client);
      const startMs = performance.now();
      if (Math.random() < readRatio) {
        const response = await conn.unary(etcdMethods.range, { key, serializable });
        if (response.kvs.length !== 1) throw new Error(`range found ${response.kvs.length} keys for a seeded key`);
        reads.recordMs(performance.now() - startMs);
      } else {
        await conn.unary(etcdMethods.put, { key, value });
        writes.recordMs(performance.now() - startMs);
      }
    },
    drain: async () => {},
    close: () => {},
  };
}
