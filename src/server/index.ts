/**
 * The etcd v3 API server: serve an embedded Conclave member to etcd clients
 * (etcdctl, etcd3, clientv3, ...) over gRPC, with /health, /version and
 * /metrics beside it.
 */
export { EtcdServer, type EtcdServerOptions, type ListenAddress } from './etcd-server.ts';
export { serve, ServeError, urlText, type ServeOptions, type ServeLog, type ServingMember } from './serve.ts';
export type { StreamCounts } from './stream-registry.ts';
export type { MemberDescription } from './service-context.ts';
export { etcdServerVersion, etcdClusterVersion, versionDocument } from './versions.ts';
