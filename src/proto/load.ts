/**
 * Loads Conclave's etcd v3 .proto files once, with one fixed set of
 * @grpc/proto-loader options, and exports the gRPC service definitions plus
 * typed method definitions for the calls Conclave's own code makes.
 *
 * Both sides use this module — the future etcd-compatible server
 * (`server.addService(etcdServices.KV, …)`) and clients such as the load
 * generator — so the in-memory message shape is the same everywhere. The
 * options, and why, are documented on the types in `messages.ts`:
 * keepCase, int64 as decimal strings, enums as names, defaults, oneof names.
 * Changing an option changes every decoded message: never change it locally.
 */
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  StatusRequest,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchRequest,
  WatchResponse,
} from './messages.ts';

export type * from './messages.ts';

/** Folder holding the .proto files; imports inside them are relative to it. */
export const protoDir = fileURLToPath(new URL('.', import.meta.url));

/** Entry files; they import mvccpb/kv.proto and authpb/auth.proto. */
export const etcdProtoFiles: readonly string[] = [
  'etcdserverpb/rpc.proto',
  'v3lockpb/v3lock.proto',
  'v3electionpb/v3election.proto',
];

export const protoLoaderOptions = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
} satisfies protoLoader.Options;

export const etcdPackageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(
  [...etcdProtoFiles],
  protoLoaderOptions,
);

function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const definition = etcdPackageDefinition[fullName];
  if (definition === undefined || 'format' in definition) {
    throw new Error(`proto: ${fullName} is not a service in ${etcdProtoFiles.join(', ')}`);
  }
  return definition as grpc.ServiceDefinition;
}

/** Service definitions by etcd's short name; the full gRPC name is `etcdServiceNames[x]`. */
export const etcdServiceNames = {
  KV: 'etcdserverpb.KV',
  Watch: 'etcdserverpb.Watch',
  Lease: 'etcdserverpb.Lease',
  Cluster: 'etcdserverpb.Cluster',
  Maintenance: 'etcdserverpb.Maintenance',
  Auth: 'etcdserverpb.Auth',
  Lock: 'v3lockpb.Lock',
  Election: 'v3electionpb.Election',
} as const;

export type EtcdServiceName = keyof typeof etcdServiceNames;

export const etcdServices: Readonly<Record<EtcdServiceName, grpc.ServiceDefinition>> = {
  KV: serviceDefinition(etcdServiceNames.KV),
  Watch: serviceDefinition(etcdServiceNames.Watch),
  Lease: serviceDefinition(etcdServiceNames.Lease),
  Cluster: serviceDefinition(etcdServiceNames.Cluster),
  Maintenance: serviceDefinition(etcdServiceNames.Maintenance),
  Auth: serviceDefinition(etcdServiceNames.Auth),
  Lock: serviceDefinition(etcdServiceNames.Lock),
  Election: serviceDefinition(etcdServiceNames.Election),
};

function typedMethod<Req, Res>(service: EtcdServiceName, name: string): grpc.MethodDefinition<Req, Res> {
  const definition = etcdServices[service][name];
  if (definition === undefined) {
    throw new Error(`proto: ${etcdServiceNames[service]} has no method ${name}`);
  }
  return definition as grpc.MethodDefinition<Req, Res>;
}

/**
 * Typed definitions of the methods Conclave calls, for
 * `client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, …)`
 * and the streaming equivalents. Add a method here when a caller needs it.
 */
export const etcdMethods = {
  range: typedMethod<RangeRequest, RangeResponse>('KV', 'Range'),
  put: typedMethod<PutRequest, PutResponse>('KV', 'Put'),
  deleteRange: typedMethod<DeleteRangeRequest, DeleteRangeResponse>('KV', 'DeleteRange'),
  txn: typedMethod<TxnRequest, TxnResponse>('KV', 'Txn'),
  compact: typedMethod<CompactionRequest, CompactionResponse>('KV', 'Compact'),
  watch: typedMethod<WatchRequest, WatchResponse>('Watch', 'Watch'),
  leaseGrant: typedMethod<LeaseGrantRequest, LeaseGrantResponse>('Lease', 'LeaseGrant'),
  leaseRevoke: typedMethod<LeaseRevokeRequest, LeaseRevokeResponse>('Lease', 'LeaseRevoke'),
  leaseKeepAlive: typedMethod<LeaseKeepAliveRequest, LeaseKeepAliveResponse>('Lease', 'LeaseKeepAlive'),
  leaseTimeToLive: typedMethod<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>('Lease', 'LeaseTimeToLive'),
  status: typedMethod<StatusRequest, StatusResponse>('Maintenance', 'Status'),
} as const;
