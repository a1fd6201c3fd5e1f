/**
 * `lease`: a keepalive storm. Before the clock starts every client is granted
 * its own lease (grant latency goes to the 'lease-grant' histogram) and opens
 * its own LeaseKeepAlive stream; each operation is then one keepalive sent on
 * that stream and its answer received. A keepalive answered with TTL <= 0
 * (lease gone) is an error. The leases are revoked after the run.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { etcdMethods } from '../../proto/load.ts';
import type { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from '../../proto/load.ts';
import { callTimeoutMs } from '../connection.ts';
import { withDeadline } from '../deadline.ts';
import type { Workload, WorkloadContext } from '../workload.ts';

type KeepAliveCall = ClientDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>;

interface Waiter {
  resolve(response: LeaseKeepAliveResponse): void;
  reject(error: Error): void;
}

/** One client's lease and stream. Keepalive answers come back in request order, one in flight at a time. */
interface Keeper {
  leaseId: string;
  call: KeepAliveCall;
  waiter: Waiter | null;
  /** Set once the stream can no longer be trusted to pair answers with requests. */
  brokenReason: string | null;
}

export function createLeaseWorkload(ctx: WorkloadContext): Workload {
  const grants = ctx.histogram('lease-grant');
  const keepers: Keeper[] = [];
  let closing = false;

  const openKeeper = async (client: number): Promise<Keeper> => {
    const conn = ctx.connFor(client);
    const startMs = performance.now();
    const granted = await conn.unary(etcdMethods.leaseGrant, { TTL: ctx.options.leaseTtlSeconds });
    grants.recordMs(performance.now() - startMs);
    if (granted.error !== '') throw new Error(`lease grant refused: ${granted.error}`);
    const keeper: Keeper = { leaseId: granted.ID, call: conn.bidi(etcdMethods.leaseKeepAlive), waiter: null, brokenReason: null };
    keeper.call.on('data', (response: LeaseKeepAliveResponse) => {
      const waiter = keeper.waiter;
      keeper.waiter = null;
      if (waiter === null) keeper.brokenReason = 'keepalive answer nobody asked for';
      else waiter.resolve(response);
    });
    keeper.call.on('error', (error: Error) => {
      if (closing) return;
      keeper.brokenReason = `keepalive stream failed: ${error.message}`;
      keeper.waiter?.reject(error);
      keeper.waiter = null;
    });
    return keeper;
  };

  return {
    setup: async () => {
      const opened = await Promise.allSettled(Array.from({ length: ctx.share.clients }, (_, c) => openKeeper(c)));
      for (const result of opened) {
        if (result.status === 'fulfilled') keepers.push(result.value);
      }
      const refused = opened.find((result) => result.status === 'rejected');
      if (refused !== undefined) throw refused.reason;
    },
    op: async (client) => {
      const keeper = keepers[client];
      if (keeper === undefined) throw new Error(`lease: client ${client} has no lease`);
      if (keeper.brokenReason !== null) throw new Error(keeper.brokenReason);
      if (keeper.waiter !== null) throw new Error('lease: keepalive already in flight for this client');
      const answered = new Promise<LeaseKeepAliveResponse>((resolve, reject) => {
        keeper.waiter = { resolve, reject };
      });
      keeper.call.write({ ID: keeper.leaseId });
      try {
        const response = await withDeadline(answered, callTimeoutMs, 'lease keepalive');
        if (BigInt(response.TTL) <= 0n) throw new Error(`lease ${keeper.leaseId} is gone (keepalive TTL ${response.TTL})`);
      } catch (error) {
        if (keeper.waiter !== null) {
          keeper.waiter = null;
          keeper.brokenReason = 'keepalive stream out of step after a timeout';
        }
        throw error;
      }
    },
    drain: async () => {
      const revoked = await Promise.allSettled(
        keepers.map((keeper, c) => ctx.connFor(c).unary(etcdMethods.leaseRevoke, { ID: keeper.leaseId })),
      );
      for (const result of revoked) {
        if (result.status === 'rejected') ctx.fail(`lease revoke failed: ${(result.reason as Error).message}`);
      }
    },
    close: () => {
      closing = true;
      for (const keeper of keepers) keeper.call.cancel();
    },
  };
}
