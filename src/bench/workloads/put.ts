/** `put`: every operation writes one key of the key space (etcd's `benchmark put`). */
import { etcdMethods } from '../../proto/load.ts';
import { formatKey, KeyPicker, makeValue } from '../keys.ts';
import type { Workload, WorkloadContext } from '../workload.ts';

export function createPutWorkload(ctx: WorkloadContext): Workload {
  const { keySpace, seqKeys, keySizeBytes, valSizeBytes } = ctx.options;
  const picker = new KeyPicker(keySpace, seqKeys, ctx.share.index, ctx.share.count);
  const value = makeValue(valSizeBytes);
  return {
    setup: async () => {},
    op: async (client) => {
      await ctx.connFor(client).unary(etcdMethods.put, { key: formatKey(picker.next(), keySizeBytes), value });
    },
    drain: async () => {},
    close: () => {},
  };
}
