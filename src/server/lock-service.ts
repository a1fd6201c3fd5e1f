/**
 * v3lockpb.Lock: distributed locks on the KV, with etcd 3.4's protocol
 * (etcdserver/api/v3lock over clientv3/concurrency's Mutex), so a lock taken
 * here excludes `etcdctl lock` and Go's concurrency.Mutex on the same name.
 *
 * Lock(name, lease): in one txn, create `name/<lease hex>` with the lease
 * unless it exists (a second Lock on the same lease re-enters its place), and
 * read the holder. If our key is the oldest under `name/`, answer at once;
 * otherwise wait until every key created before ours is deleted (by Unlock,
 * or by its lease being revoked or expiring), then answer with the key.
 * A lease of 0 gets a 60 s session lease nobody keeps alive, as in etcd.
 *
 * A wait that fails — the client cancelled, its deadline passed, it
 * disconnected — deletes our key, as etcd's Mutex does, so an abandoned
 * waiter never becomes a holder nobody knows about.
 *
 * Unlock(key): deletes the key (any key: etcd does not check it is a lock).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { idToNumber } from './int64.ts';
import { contenderKey, contendersPrefix, createdAt, existingKey, firstCreatedUnder, rangeResult, sessionLease } from './recipe-keys.ts';
import { recipeUnary } from './recipe-unary.ts';
import type { LockRequest, LockResponse, UnlockRequest, UnlockResponse } from './recipe-wire.ts';
import type { ServiceContext } from './service-context.ts';
import { waitForDeletes } from './wait-deletes.ts';

const SERVICE = 'v3lockpb.Lock';
const EMPTY = new Uint8Array(0);

export function lockService({ db, headers, metrics }: ServiceContext): UntypedServiceImplementation {
  return {
    Lock: recipeUnary(metrics, SERVICE, 'Lock', async (request: LockRequest, signal): Promise<LockResponse> => {
      const lease = await sessionLease(db, idToNumber(request.lease, 'lease'));
      const prefix = contendersPrefix(request.name ?? EMPTY);
      const key = contenderKey(prefix, lease);
      const holder = { type: 'range', ...firstCreatedUnder(prefix) } as const;
      const queued = await db.txn({
        compare: [createdAt(key, 0)],
        success: [{ type: 'put', key, value: EMPTY, lease }, holder],
        failure: [{ type: 'range', key }, holder],
      });
      const ourCreateRevision = queued.succeeded ? queued.revision : existingKey(rangeResult(queued.responses[0])).createRevision;
      const oldest = rangeResult(queued.responses[1]).kvs[0];
      if (oldest === undefined || oldest.createRevision === ourCreateRevision) return { header: headers.header(queued.revision), key };
      try {
        const revision = await waitForDeletes(db, prefix, ourCreateRevision - 1, signal);
        return { header: headers.header(revision), key };
      } catch (error) {
        // Give up our place. If this fails too the lease still removes the key; the wait's error is the one to report.
        await db.delete(key).catch(() => undefined);
        throw error;
      }
    }),
    Unlock: recipeUnary(metrics, SERVICE, 'Unlock', async (request: UnlockRequest): Promise<UnlockResponse> => {
      const { revision } = await db.delete(request.key ?? EMPTY);
      return { header: headers.header(revision) };
    }),
  };
}
