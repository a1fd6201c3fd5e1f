/**
 * The backend quota at the front door (etcd's quota interceptor,
 * etcdserver/api/v3rpc/quota.go): before a write that adds data is proposed,
 * the member compares the backend size plus the write's cost with the quota.
 * Past it, the member raises the NOSPACE alarm through Raft under its own ID
 * (every member then refuses such writes: the applier's capped mode) and
 * refuses the write with etcd's "database space exceeded".
 *
 * The size is the local applier's (ApplierStatus.backendBytes, the figure
 * Status reports). Asking for it on every write would add an actor round trip
 * to each one, so a figure at most `maxAgeMs` old is used, plus the cost of
 * every write admitted since it was asked for, so concurrent writers cannot
 * all slip under the quota on one stale figure. A write is never refused on a
 * cached figure: the size is asked for again first, so a compaction that
 * freed space counts at once.
 *
 * Differs from etcd on purpose: etcd also checks the quota while applying
 * each entry, against each member's own file size, which can make members
 * disagree about a write's result; Conclave's apply only follows the
 * replicated alarm, so every member applies the same entries the same way.
 *
 * Never: refuse a write that costs nothing (deletes, compactions and txns
 * without puts are how space is freed), or raise the alarm without refusing.
 */
import { NoSpaceError } from './errors.ts';

/** etcd's DefaultQuotaBytes: the quota when none (0) is given. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 ** 3;
/** How old a cached backend size may be before a write asks for a new one (without waiting for it). */
const DEFAULT_MAX_AGE_MS = 100;

export interface BackendQuotaDeps {
  /** The backend size now, in quota bytes. */
  readonly measureBytes: () => Promise<number>;
  /** Proposes the NOSPACE alarm under this member's ID; resolves once applied (or refused). */
  readonly raiseAlarm: () => Promise<unknown>;
  readonly maxAgeMs?: number;
  readonly nowMs?: () => number;
}

interface Measurement {
  readonly bytes: number;
  readonly askedAtMs: number;
  /** `admittedBytes` when the size was asked for: writes admitted later are not in `bytes`. */
  readonly admittedAtAsk: number;
}

/**
 * etcd's --quota-backend-bytes as the quota in bytes: 0 means the default
 * (2 GiB), a negative value disables the quota (null).
 */
export function quotaBytesOf(quotaBackendBytes: number): number | null {
  if (!Number.isSafeInteger(quotaBackendBytes)) {
    throw new TypeError(`quotaBackendBytes must be an integer (0: the 2 GiB default, negative: no quota), got ${quotaBackendBytes}`);
  }
  if (quotaBackendBytes < 0) return null;
  return quotaBackendBytes === 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quotaBackendBytes;
}

export class BackendQuota {
  private measurement: Measurement | null = null;
  private refreshing: Promise<unknown> | null = null;
  /** Total cost of the writes admitted so far. */
  private admittedBytes = 0;
  private readonly maxAgeMs: number;
  private readonly nowMs: () => number;

  /** `quotaBytes` null: no quota (etcd's negative --quota-backend-bytes). */
  constructor(
    readonly quotaBytes: number | null,
    private readonly deps: BackendQuotaDeps,
  ) {
    if (quotaBytes !== null && (!Number.isSafeInteger(quotaBytes) || quotaBytes <= 0)) {
      throw new RangeError(`quotaBytes must be a positive integer or null, got ${quotaBytes}`);
    }
    this.maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.nowMs = deps.nowMs ?? (() => performance.now());
  }

  /**
   * Undefined when a write of `costBytes` may be proposed at once (nearly
   * always: no promise, no extra microtask on every write); otherwise a
   * promise that resolves when it may, or rejects with NoSpaceError (after
   * raising the alarm).
   */
  admit(costBytes: number): Promise<void> | undefined {
    if (!Number.isSafeInteger(costBytes) || costBytes < 0) throw new RangeError(`costBytes must be a non-negative integer, got ${costBytes}`);
    if (costBytes === 0 || this.quotaBytes === null) return undefined;
    const cached = this.measurement;
    if (cached === null) return this.admitAfterAsking(costBytes);
    if (this.nowMs() - cached.askedAtMs > this.maxAgeMs) this.refreshInBackground();
    if (!this.fits(cached, costBytes)) return this.admitAfterAsking(costBytes);
    this.admitted(costBytes);
    return undefined;
  }

  /** On a fresh size (no figure yet, or the cached one says no: a compaction may have freed space). */
  private async admitAfterAsking(costBytes: number): Promise<void> {
    if (this.fits(await this.ask(), costBytes)) return this.admitted(costBytes);
    // etcd ignores the alarm request's own failure: the write is refused either way.
    await this.deps.raiseAlarm().catch(() => undefined);
    throw new NoSpaceError();
  }

  /** etcd's Available: size + cost strictly below the quota. */
  private fits(measurement: Measurement, costBytes: number): boolean {
    const estimateBytes = measurement.bytes + (this.admittedBytes - measurement.admittedAtAsk);
    return estimateBytes + costBytes < (this.quotaBytes as number);
  }

  private admitted(costBytes: number): void {
    this.admittedBytes += costBytes;
  }

  private refreshInBackground(): void {
    // A failed background ask (the member is closing) leaves the old figure; the next write tries again.
    this.refreshing ??= this.ask()
      .catch(() => null)
      .finally(() => {
        this.refreshing = null;
      });
  }

  /** Asks for the size now; the newest answer (by ask time) becomes the cached one. */
  private async ask(): Promise<Measurement> {
    const askedAtMs = this.nowMs();
    const admittedAtAsk = this.admittedBytes;
    const bytes = await this.deps.measureBytes();
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`invariant: backend size ${bytes} is not a byte count`);
    const measurement = { bytes, askedAtMs, admittedAtAsk };
    if (this.measurement === null || this.measurement.askedAtMs <= askedAtMs) this.measurement = measurement;
    return measurement;
  }
}
