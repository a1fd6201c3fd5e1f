/**
 * `range`: every operation reads one seeded key, linearizable (read-index
 * round through the leader) or serializable (local read), per --consistency.
 * A read that finds no key is an error: it would mean the seeding failed and
 * the figure measures misses.
 */
import { etcdMethods } from '../../proto/load.ts';
import { formatKey, KeyPicker, makeValue } from '../keys.ts';
import type { Workload, WorkloadContext } from '../workload.ts';
import { seedKeySpace } from './seed.ts';

export function createRangeWorkload(ctx: WorkloadContext): Workload {
  const { keySpace, seqKeys, keySizeBytes, valSizeBytes, consistency } = ctx.options;
  const picker = new KeyPicker(keySpace, seqKeys, ctx.share.index, ctx.share.count);
  const serializable = consistency === 'serializable';
  return {
    setup: async () => {
      if (ctx.share.seeds) await seedKeySpace(ctx, makeValue(valSizeBytes));
    },
    op: async (client) => {
      const key = formatKey(picker.next(), keySizeBytes);
      const response = await ctx.connFor(client).unary(etcdMethods.range, { key, serializable });
      if (response.kvs.length !== 1) throw new Error(`range found ${response.kvs.length} keys for a seeded key`);
    },
    drain: async () => {},
    close: () => {},
  };
}
