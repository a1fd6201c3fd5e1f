/**
 * What every service implementation is given: the member, the header cache,
 * the metrics, the member's public description, and the registry of open
 * streams. One object so services stay plain functions of it.
 */
import type { Conclave } from '../embedded/conclave.ts';
import type { ServerMetrics } from './metrics.ts';
import type { ResponseHeaders } from './response-header.ts';
import type { StreamRegistry } from './stream-registry.ts';

/** The member as MemberList describes it. */
export interface MemberDescription {
  readonly name: string;
  /** As etcd prints them: scheme://host:port, no trailing slash. */
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
}

export interface ServiceContext {
  readonly db: Conclave;
  readonly headers: ResponseHeaders;
  readonly metrics: ServerMetrics;
  readonly member: MemberDescription;
  /** The member's data directory. */
  readonly dataDir: string;
  readonly streams: StreamRegistry;
  /** Reported as StatusResponse.version. */
  readonly serverVersion: string;
}
