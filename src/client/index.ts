/**
 * Conclave's remote client: `connect({ endpoints })` gives the embedded
 * handle's API over etcd's v3 gRPC services.
 */
export { connect, ConclaveClient, type ConnectOptions } from './client.ts';
export type { ConclaveApi, WatchHandle, SharedClusterApi } from './api-shape.ts';
export type { MaintenanceApi, EndpointStatus, EndpointHealth } from './maintenance.ts';
export { RemoteWatch } from './remote-watch.ts';
export { EndpointError } from './endpoints.ts';
export type { ClientTlsOptions, PemInput } from './transport-security.ts';
export { ConclaveError, ClosedError } from '../embedded/errors.ts';
