/**
 * The API the embedded handle and the remote client share, written once as
 * a type so the compiler proves both keep it: code typed against
 * `ConclaveApi` runs unchanged on `open()` (in process) or `connect()`
 * (over gRPC). Same method names, argument and result types, same
 * ConclaveError on refusal.
 *
 * Left out on purpose: `cluster.publish` and `cluster.peerLinks`, which a
 * member uses on itself at start-up and etcd does not offer to clients.
 */
import type { ClusterApi } from '../embedded/cluster-api.ts';
import type { Conclave, WatchOptions } from '../embedded/conclave.ts';
import type { WatchResponse } from '../../actors/watch-hub/index.ts';

/** What both `Watch` (embedded) and `RemoteWatch` (client) offer. */
export interface WatchHandle extends AsyncIterable<WatchResponse> {
  readonly id: number;
  readonly createdRevision: number;
  requestProgress(): void;
  cancel(): void;
}

export type SharedClusterApi = Omit<ClusterApi, 'publish' | 'peerLinks'>;

export type ConclaveApi = Pick<Conclave, 'put' | 'get' | 'range' | 'delete' | 'txn' | 'compact' | 'status' | 'hashKv' | 'close' | 'isClosed' | 'lease'> & {
  watch(options: WatchOptions): Promise<WatchHandle>;
  readonly cluster: SharedClusterApi;
};
