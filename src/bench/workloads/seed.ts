/**
 * Writes every key of the key space once, so that read workloads measure
 * reads that find data. Runs before the clock starts, with a bounded number
 * of puts in flight spread over the share's connections.
 */
import { etcdMethods } from '../../proto/load.ts';
import { formatKey } from '../keys.ts';
import type { WorkloadContext } from '../workload.ts';

const seedPutsInFlightMax = 128;

export async function seedKeySpace(ctx: WorkloadContext, value: Buffer): Promise<void> {
  const { keySpace, keySizeBytes } = ctx.options;
  let nextIndex = 0;
  const lane = async (laneIndex: number): Promise<void> => {
    const conn = ctx.connFor(laneIndex);
    while (nextIndex < keySpace) {
      const index = nextIndex++;
      await conn.unary(etcdMethods.put, { key: formatKey(index, keySizeBytes), value });
    }
  };
  const lanes = Math.min(seedPutsInFlightMax, keySpace);
  await Promise.all(Array.from({ length: lanes }, (_, laneIndex) => lane(laneIndex)));
}
