/**
 * Set-up shared by the lock and election service tests: a test server whose
 * recipe services run on a watch-counting handle, raw clients for the two
 * services (the etcd3 package has none), and the waits those tests need.
 */
import { once } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/server/index.ts';
import { callUnary, etcd3Client, rawClient, startTestServer } from './helpers.ts';
import { countWatches, type WatchCounter } from './open-watches.ts';

type Teardown = Parameters<typeof startTestServer>[0];

export interface RecipeServer {
  readonly endpoint: string;
  readonly watches: WatchCounter;
  readonly client: Etcd3;
  readonly lock: ReturnType<typeof rawClient>;
  readonly election: ReturnType<typeof rawClient>;
}

/** A member served twice: the test server, and a second server on the watch-counting handle the tests talk to. */
export async function startRecipeServer(t: Teardown): Promise<RecipeServer> {
  const served = await startTestServer(t);
  const watches = countWatches(served.db);
  const server = await EtcdServer.start({
    db: watches.db,
    dataDir: served.dir,
    member: { name: 'counted', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'] },
    listen: [{ host: '127.0.0.1', port: 0 }],
    maxRequestBytes: 1_572_864,
  });
  t.teardown(() => server.close());
  const endpoint = `127.0.0.1:${server.clientAddresses()[0]!.port}`;
  return {
    endpoint,
    watches,
    client: etcd3Client(t, endpoint),
    lock: rawClient(t, 'Lock', endpoint),
    election: rawClient(t, 'Election', endpoint),
  };
}

/** A unary call that can be cancelled by the test (a client that goes away). */
export function cancellableCall<Res>(client: ReturnType<typeof rawClient>, method: string, request: unknown): { result: Promise<Res>; cancel(): void } {
  let call: { cancel(): void } | undefined;
  const result = new Promise<Res>((resolve, reject) => {
    call = client[method]!(request, { deadline: Date.now() + 60_000 }, (error: Error | null, response: Res) => (error ? reject(error) : resolve(response)));
  });
  return { result, cancel: () => call?.cancel() };
}

/**
 * Arms a watch on `prefix` now; `happened` resolves with the key of the next
 * put (or delete) under it: how a test knows a contender queued (or left)
 * without sleeping.
 */
export async function armChange(client: Etcd3, prefix: string, type: 'put' | 'delete'): Promise<{ happened: Promise<string> }> {
  const watcher = await client.watch().prefix(prefix).create();
  const happened = once(watcher, type, { signal: AbortSignal.timeout(30_000) }).then(
    async ([kv]) => {
      await watcher.cancel();
      return String((kv as { key: Buffer }).key);
    },
    async (error: unknown) => {
      await watcher.cancel();
      throw error;
    },
  );
  return { happened };
}

/** The lease's ID in the hex the recipes use in keys. */
export const leaseHex = (id: string) => BigInt(id).toString(16);

export { callUnary };
