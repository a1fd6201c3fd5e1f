/**
 * The remote client: the embedded handle's API (ConclaveApi) over etcd's v3
 * gRPC services, so code moves between `open()` and `connect()` by changing
 * one line. Calls spread round-robin over the healthy endpoints and are
 * retried by etcd clientv3's rules (retry-policy.ts); refusals arrive as the
 * same ConclaveError, with etcd's gRPC code and text.
 *
 * Differences that cannot be hidden, stated rather than papered over:
 * - a compacted-revision error carries no `compactRevision` (etcd's status
 *   has only the text);
 * - `status()` asks HashKV for the compaction revision, which hashes the
 *   member's history: call it for diagnosis, not in a hot loop.
 *
 * Never: leave a channel, stream or timer behind after close().
 */
import type { PutOptions, ReadOptions, RangeOptions, DeleteOptions, WatchOptions, MemberStatus, LeaseApi } from '../embedded/conclave.ts';
import type { CompactResponse, DeleteRangeResponse, HashKvResult, KeyValue, PutResponse, RangeResponse, TxnRequest, TxnResponse } from '../../actors/applier/mvcc/index.ts';
import { isReadOnlyTxn } from '../../actors/applier/mvcc/index.ts';
import { prefixEnd } from '../../actors/watch-hub/index.ts';
import { toBytes, type BytesInput } from '../embedded/bytes.ts';
import { ConclaveError } from '../embedded/errors.ts';
import type { ConclaveApi, SharedClusterApi } from './api-shape.ts';
import { EndpointPool } from './endpoint-pool.ts';
import { parseEndpoints } from './endpoints.ts';
import { KeepAliveStream } from './keep-alive-stream.ts';
import { maintenanceApi, memberStatus, type MaintenanceApi } from './maintenance.ts';
import { clientMethods } from './methods.ts';
import { remoteCluster } from './remote-cluster.ts';
import { RemoteWatch } from './remote-watch.ts';
import { checkBackoff, defaultBackoff, type BackoffOptions } from './retry-policy.ts';
import { RpcCaller } from './rpc-caller.ts';
import { transportSecurity, type ClientTlsOptions } from './transport-security.ts';
import {
  decodeDeleteRangeResponse,
  decodePutResponse,
  decodeRangeResponse,
  decodeTxnResponse,
  encodeDeleteRange,
  encodePut,
  encodeRange,
  encodeTxn,
  headerRevision,
  plainBytes,
  wireNumber,
} from './wire-codec.ts';

export interface ConnectOptions {
  /**
   * Client URLs of the members: `host:port`, `http://host:port` or
   * `https://host:port`. All https:// or none (see `tls`).
   */
  readonly endpoints: readonly string[];
  /**
   * TLS for every endpoint: certificates as PEM contents. https:// endpoints
   * use TLS without this option too (verified by the system's root CAs);
   * with it, endpoints written as host:port use TLS as well.
   */
  readonly tls?: ClientTlsOptions;
  /** Deadline of each attempt of a unary call. Default 30 s. */
  readonly callTimeoutMs?: number;
  /** Retry bounds (attempts include the first; backoff doubles up to the cap). */
  readonly retry?: Partial<BackoffOptions>;
}

const MAX_CALL_TIMEOUT_MS = 10 * 60_000;

/** A client for the members at `options.endpoints`. No I/O happens until the first call. */
export async function connect(options: ConnectOptions): Promise<ConclaveClient> {
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  if (!(callTimeoutMs > 0 && callTimeoutMs <= MAX_CALL_TIMEOUT_MS)) {
    throw new RangeError(`callTimeoutMs must be in (0, ${MAX_CALL_TIMEOUT_MS}], got ${callTimeoutMs}`);
  }
  const backoff = { ...defaultBackoff, ...options.retry };
  checkBackoff(backoff);
  const endpoints = parseEndpoints(options.endpoints);
  const pool = new EndpointPool(endpoints, transportSecurity(endpoints, options.tls));
  return new ConclaveClient(new RpcCaller(pool, backoff, callTimeoutMs), callTimeoutMs);
}

export class ConclaveClient implements ConclaveApi {
  readonly lease: LeaseApi;
  readonly cluster: SharedClusterApi;
  /** Per-endpoint status, health and snapshot (what only a remote client has). */
  readonly maintenance: MaintenanceApi;
  private readonly keepAlives: KeepAliveStream;
  private readonly watches = new Set<RemoteWatch>();

  /** @internal Use `connect()`. */
  constructor(
    private readonly caller: RpcCaller,
    callTimeoutMs: number,
  ) {
    this.keepAlives = new KeepAliveStream(caller, callTimeoutMs);
    this.cluster = remoteCluster(caller);
    this.maintenance = maintenanceApi(caller);
    this.lease = {
      grant: async (ttlSeconds, id = 0) => {
        const response = await caller.unary(clientMethods.leaseGrant, { TTL: ttlSeconds, ID: id }, 'repeatable');
        if (response.error !== '') throw new ConclaveError({ grpcCode: 2, message: response.error });
        return { id: wireNumber(response.ID, 'ID'), ttlSeconds: wireNumber(response.TTL, 'TTL'), revision: headerRevision(response.header) };
      },
      keepAlive: (id) => this.keepAlives.keepAlive(id),
      revoke: async (id) => ({ revision: headerRevision((await caller.unary(clientMethods.leaseRevoke, { ID: id }, 'repeatable')).header) }),
      timeToLive: async (id, options = {}) => {
        const response = await caller.unary(clientMethods.leaseTimeToLive, { ID: id, keys: options.keys ?? false }, 'repeatable');
        // The server answers TTL -1 for an unknown lease where the embedded handle refuses: refuse alike.
        if (response.TTL === '-1') throw new ConclaveError({ grpcCode: 5, message: 'etcdserver: requested lease not found' });
        return {
          id: wireNumber(response.ID, 'ID'),
          ttlSeconds: wireNumber(response.TTL, 'TTL'),
          grantedTtlSeconds: wireNumber(response.grantedTTL, 'grantedTTL'),
          keys: response.keys.map(plainBytes),
        };
      },
      leases: async () => (await caller.unary(clientMethods.leaseLeases, {}, 'repeatable')).leases.map((lease) => wireNumber(lease.ID, 'ID')),
    };
  }

  async put(key: BytesInput, value: BytesInput, options: PutOptions = {}): Promise<PutResponse> {
    const request = encodePut({ key: toBytes(key), value: toBytes(value), ...options });
    return decodePutResponse(await this.caller.unary(clientMethods.put, request, 'non-repeatable'));
  }

  /** The key's current (or past) value, or null. */
  async get(key: BytesInput, options: ReadOptions = {}): Promise<KeyValue | null> {
    const response = await this.range({ key: toBytes(key), ...options });
    return response.kvs[0] ?? null;
  }

  async range(options: RangeOptions): Promise<RangeResponse> {
    return decodeRangeResponse(await this.caller.unary(clientMethods.range, encodeRange(options), 'repeatable'));
  }

  async delete(key: BytesInput, options: DeleteOptions = {}): Promise<DeleteRangeResponse> {
    const keyBytes = toBytes(key);
    const rangeEnd = options.prefix ? prefixEnd(keyBytes) : options.rangeEnd;
    const request = encodeDeleteRange({ key: keyBytes, ...(rangeEnd === undefined ? {} : { rangeEnd }), prevKv: options.prevKv ?? false });
    return decodeDeleteRangeResponse(await this.caller.unary(clientMethods.deleteRange, request, 'non-repeatable'));
  }

  /**
   * A transaction. `serializable` is accepted for the embedded signature's
   * sake; etcd's Txn has no such field, so the server decides.
   */
  async txn(request: TxnRequest, _options: { serializable?: boolean } = {}): Promise<TxnResponse> {
    const policy = isReadOnlyTxn(request) ? 'repeatable' : 'non-repeatable';
    return decodeTxnResponse(await this.caller.unary(clientMethods.txn, encodeTxn(request), policy));
  }

  async compact(revision: number): Promise<CompactResponse> {
    const response = await this.caller.unary(clientMethods.compact, { revision }, 'non-repeatable');
    return { revision: headerRevision(response.header) };
  }

  async watch(options: WatchOptions): Promise<RemoteWatch> {
    this.caller.assertOpen();
    const key = toBytes(options.key);
    const rangeEnd = options.prefix ? prefixEnd(key) : options.rangeEnd;
    const { prefix: _prefix, key: _key, rangeEnd: _rangeEnd, ...rest } = options;
    const request = { key, ...(rangeEnd === undefined ? {} : { rangeEnd }), ...rest };
    const watch = await RemoteWatch.create(this.caller, request, (ended) => this.watches.delete(ended));
    this.watches.add(watch);
    return watch;
  }

  /** The status of the member behind the next endpoint in the round-robin. */
  async status(): Promise<MemberStatus> {
    this.caller.assertOpen();
    return memberStatus(this.caller, this.caller.pool.pick());
  }

  async hashKv(revision = 0): Promise<HashKvResult> {
    const response = await this.caller.unary(clientMethods.hashKv, { revision }, 'repeatable');
    return {
      hash: response.hash,
      compactRevision: wireNumber(response.compact_revision, 'compact_revision'),
      revision: headerRevision(response.header),
    };
  }

  /** Ends every watch and keep-alive, closes the channels. Later calls fail with ClosedError. */
  async close(): Promise<void> {
    if (this.isClosed()) return;
    for (const watch of [...this.watches]) watch.cancel();
    this.keepAlives.close();
    this.caller.close();
  }

  isClosed(): boolean {
    return this.caller.closeSignal.aborted;
  }
}
