/**
 * The calls the cluster tests make to one member, typed, over the load
 * generator's gRPC connection (src/bench/connection.ts, one channel per
 * instance, a deadline on every call) and the project's own .proto files.
 * Only what the tests need: KV put/txn/range, Maintenance status/HashKV,
 * Cluster member add/remove/update/list. No retries here: a caller that records a
 * history must see every failure as it happened.
 */
import type * as grpc from '@grpc/grpc-js';
import { EtcdConnection } from '../../../src/bench/connection.ts';
import { etcdMethods, etcdServices, type EtcdServiceName } from '../../../src/proto/load.ts';
import type { Int64, RangeRequest, RangeResponse, ResponseHeader, StatusResponse, TxnRequest, TxnResponse, PutResponse } from '../../../src/proto/load.ts';

export interface HashKvResponse {
  header: ResponseHeader | null;
  hash: number;
  compact_revision: Int64;
}

export interface ClusterMemberInfo {
  ID: Int64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberAddResponse {
  header: ResponseHeader | null;
  member: ClusterMemberInfo | null;
  members: ClusterMemberInfo[];
}

export interface MemberListResponse {
  header: ResponseHeader | null;
  members: ClusterMemberInfo[];
}

function method<Req, Res>(service: EtcdServiceName, name: string): grpc.MethodDefinition<Req, Res> {
  const definition = etcdServices[service][name];
  if (definition === undefined) throw new Error(`proto: ${service} has no method ${name}`);
  return definition as grpc.MethodDefinition<Req, Res>;
}

const hashKvMethod = method<{ revision: string }, HashKvResponse>('Maintenance', 'HashKV');
const memberAddMethod = method<{ peerURLs: string[]; isLearner: boolean }, MemberAddResponse>('Cluster', 'MemberAdd');
const memberRemoveMethod = method<{ ID: string }, MemberListResponse>('Cluster', 'MemberRemove');
const memberUpdateMethod = method<{ ID: string; peerURLs: string[] }, MemberListResponse>('Cluster', 'MemberUpdate');
const memberListMethod = method<Record<string, never>, MemberListResponse>('Cluster', 'MemberList');

export class MemberClient {
  readonly endpoint: string;
  readonly #connection: EtcdConnection;

  /** `endpoint` is host:port. */
  constructor(endpoint: string) {
    const colon = endpoint.lastIndexOf(':');
    const port = Number(endpoint.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port)) throw new Error(`endpoint must be host:port, got ${endpoint}`);
    this.endpoint = endpoint;
    this.#connection = new EtcdConnection({ host: endpoint.slice(0, colon), port });
  }

  put(key: string, value: string, timeoutMs: number): Promise<PutResponse> {
    return this.#connection.unary(etcdMethods.put, { key: Buffer.from(key), value: Buffer.from(value) }, timeoutMs);
  }

  txn(request: TxnRequest, timeoutMs: number): Promise<TxnResponse> {
    return this.#connection.unary(etcdMethods.txn, request, timeoutMs);
  }

  range(request: RangeRequest, timeoutMs: number): Promise<RangeResponse> {
    return this.#connection.unary(etcdMethods.range, request, timeoutMs);
  }

  status(timeoutMs: number): Promise<StatusResponse> {
    return this.#connection.unary(etcdMethods.status, {}, timeoutMs);
  }

  hashKv(revision: bigint, timeoutMs: number): Promise<HashKvResponse> {
    return this.#connection.unary(hashKvMethod, { revision: revision.toString() }, timeoutMs);
  }

  memberAdd(peerUrls: readonly string[], timeoutMs: number): Promise<MemberAddResponse> {
    return this.#connection.unary(memberAddMethod, { peerURLs: [...peerUrls], isLearner: false }, timeoutMs);
  }

  memberRemove(id: Int64, timeoutMs: number): Promise<MemberListResponse> {
    return this.#connection.unary(memberRemoveMethod, { ID: id }, timeoutMs);
  }

  memberUpdate(id: Int64, peerUrls: readonly string[], timeoutMs: number): Promise<MemberListResponse> {
    return this.#connection.unary(memberUpdateMethod, { ID: id, peerURLs: [...peerUrls] }, timeoutMs);
  }

  memberList(timeoutMs: number): Promise<MemberListResponse> {
    return this.#connection.unary(memberListMethod, {}, timeoutMs);
  }

  close(): void {
    this.#connection.close();
  }
}

/** One client per endpoint, created on first use; closeAll() at the end. */
export class MemberClientPool {
  readonly #clients = new Map<string, MemberClient>();

  get(endpoint: string): MemberClient {
    let client = this.#clients.get(endpoint);
    if (client === undefined) {
      client = new MemberClient(endpoint);
      this.#clients.set(endpoint, client);
    }
    return client;
  }

  closeAll(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
