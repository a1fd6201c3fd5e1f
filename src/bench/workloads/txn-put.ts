/**
 * `txn-put`: compare-and-swap. Each operation is one Txn: "if the key's
 * mod_revision is still the one I last saw, put the new value, else read it".
 * The last seen revision is shared by the clients of a thread, so clients (and
 * other threads) racing on a key produce real conflicts; a conflict is a
 * completed operation, counted as 'txn-conflict', not an error.
 * A key never written compares as mod_revision 0, so no seeding is needed.
 */
import { etcdMethods } from '../../proto/load.ts';
import { formatKey, KeyPicker, makeValue } from '../keys.ts';
import type { Workload, WorkloadContext } from '../workload.ts';

export function createTxnPutWorkload(ctx: WorkloadContext): Workload {
  const { keySpace, seqKeys, keySizeBytes, valSizeBytes } = ctx.options;
  const picker = new KeyPicker(keySpace, seqKeys, ctx.share.index, ctx.share.count);
  const value = makeValue(valSizeBytes);
  /** Key index → mod_revision last seen; bounded by the key space. */
  const lastSeenModRevision = new Map<number, string>();
  return {
    setup: async () => {},
    op: async (client) => {
      const index = picker.next();
      const key = formatKey(index, keySizeBytes);
      const response = await ctx.connFor(client).unary(etcdMethods.txn, {
        compare: [{ key, target: 'MOD', result: 'EQUAL', mod_revision: lastSeenModRevision.get(index) ?? '0' }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      });
      if (response.succeeded) {
        const revision = response.header?.revision;
        if (revision === undefined) throw new Error('txn response without header');
        lastSeenModRevision.set(index, revision);
        ctx.count('txn-succeeded');
        return;
      }
      const [first] = response.responses;
      if (first?.response !== 'response_range') throw new Error('failed txn did not return its range');
      lastSeenModRevision.set(index, first.response_range.kvs[0]?.mod_revision ?? '0');
      ctx.count('txn-conflict');
    },
    drain: async () => {},
    close: () => {},
  };
}
