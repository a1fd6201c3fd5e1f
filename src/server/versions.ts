/**
 * The versions the server reports. Clients of etcd read the server version
 * from Status and /version to decide which API features they may use, so
 * Conclave reports the etcd API level it implements (3.4) rather than its own
 * package version, which /version adds under its own key.
 */
import { conclaveVersion } from '../version.ts';

/** The etcd release whose v3 API this server implements, as StatusResponse.version and /version's etcdserver. */
export const etcdServerVersion = '3.4.0';
/** etcd's cluster version for a cluster of 3.4 members. */
export const etcdClusterVersion = '3.4.0';

/** The body of GET /version. */
export const versionDocument = { etcdserver: etcdServerVersion, etcdcluster: etcdClusterVersion, conclave: conclaveVersion } as const;
