/**
 * The ResponseHeader every etcd response carries: cluster_id, member_id,
 * revision, raft_term.
 *
 * Asking the member for its status on every call would add two actor round
 * trips to the hot path, so the term and the latest revision are cached:
 * refreshed from `status()` on a timer and advanced by every revision a
 * response reports. A cached revision can only lag the store, never lead it,
 * so a header never claims a revision that has not happened (etcd's
 * keepalive header makes the same promise). Calls that know their revision
 * (KV results) pass it and the header carries it exactly.
 *
 * Never: block a call on a status refresh.
 */
import type { Conclave, MemberStatus } from '../embedded/conclave.ts';
import type { ResponseHeader } from '../proto/load.ts';

export interface MemberIdentity {
  readonly clusterId: number;
  readonly memberId: number;
}

export class ResponseHeaders {
  private term: number;
  private latestRevision: number;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly db: Conclave,
    readonly identity: MemberIdentity,
    status: MemberStatus,
    refreshIntervalMs: number,
  ) {
    this.term = status.raftTerm;
    this.latestRevision = status.revision;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshIntervalMs);
    this.timer.unref();
  }

  static async start(db: Conclave, refreshIntervalMs: number): Promise<ResponseHeaders> {
    if (!Number.isSafeInteger(refreshIntervalMs) || refreshIntervalMs <= 0) {
      throw new RangeError(`refreshIntervalMs must be a positive integer, got ${refreshIntervalMs}`);
    }
    const status = await db.status();
    const identity = { memberId: status.memberId, clusterId: status.clusterId };
    return new ResponseHeaders(db, identity, status, refreshIntervalMs);
  }

  /** A header at `revision` (a KV result's), or at the latest revision seen when omitted. */
  header(revision?: number): ResponseHeader {
    if (revision !== undefined) this.observeRevision(revision);
    // Numbers, not the decoded shape's strings: all are safe integers, and protobufjs encodes a
    // number directly where a string would be parsed into a Long on every response.
    return {
      cluster_id: this.identity.clusterId,
      member_id: this.identity.memberId,
      revision: revision ?? this.latestRevision,
      raft_term: this.term,
    } as unknown as ResponseHeader;
  }

  /** Reads the member's status now (also advancing the cache). */
  async refresh(): Promise<MemberStatus> {
    const status = await this.db.status();
    this.observe(status);
    return status;
  }

  observe(status: MemberStatus): void {
    this.term = Math.max(this.term, status.raftTerm);
    this.observeRevision(status.revision);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private observeRevision(revision: number): void {
    if (revision > this.latestRevision) this.latestRevision = revision;
  }
}
