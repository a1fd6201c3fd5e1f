/**
 * Membership calls as the cluster tests make them. etcd refuses a
 * reconfiguration with "unhealthy cluster" until the members that would form
 * the new quorum have been connected for 5 s (its --strict-reconfig-check);
 * the call is retried until then, bounded.
 */
export const reconfigureCallTimeoutMs = 5_000;
const reconfigureTimeoutMs = 15_000;
const retryIntervalMs = 200;

export async function reconfigure<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + reconfigureTimeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const details = (error as { details?: unknown }).details;
      if (details !== 'etcdserver: unhealthy cluster' || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, retryIntervalMs));
  }
}
