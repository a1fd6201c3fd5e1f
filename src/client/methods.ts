/**
 * Typed definitions of the etcd methods the client calls beyond those the
 * shared `etcdMethods` table already types (membership, HashKV, MoveLeader,
 * LeaseLeases, Snapshot), with the message shapes the proto loader produces.
 * Types only describe the wire; nothing here calls anything.
 */
import type * as grpc from '@grpc/grpc-js';
import { etcdMethods, etcdServices, type EtcdServiceName, type Int64, type Int64Input, type ResponseHeader } from '../proto/load.ts';

export interface WireMember {
  ID: Int64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberListResponse {
  header: ResponseHeader | null;
  members: WireMember[];
}

export interface MemberAddResponse extends MemberListResponse {
  member: WireMember | null;
}

export interface HashKvResponse {
  header: ResponseHeader | null;
  hash: number;
  compact_revision: Int64;
}

export interface SnapshotResponse {
  header: ResponseHeader | null;
  remaining_bytes: Int64;
  blob: Buffer;
}

function method<Req, Res>(service: EtcdServiceName, name: string): grpc.MethodDefinition<Req, Res> {
  const definition = etcdServices[service][name];
  if (definition === undefined) throw new Error(`proto: ${service} has no method ${name}`);
  return definition as grpc.MethodDefinition<Req, Res>;
}

export const clientMethods = {
  ...etcdMethods,
  memberList: method<Record<string, never>, MemberListResponse>('Cluster', 'MemberList'),
  memberAdd: method<{ peerURLs: string[]; isLearner: boolean }, MemberAddResponse>('Cluster', 'MemberAdd'),
  memberRemove: method<{ ID: Int64Input }, MemberListResponse>('Cluster', 'MemberRemove'),
  memberPromote: method<{ ID: Int64Input }, MemberListResponse>('Cluster', 'MemberPromote'),
  memberUpdate: method<{ ID: Int64Input; peerURLs: string[] }, MemberListResponse>('Cluster', 'MemberUpdate'),
  moveLeader: method<{ targetID: Int64Input }, { header: ResponseHeader | null }>('Maintenance', 'MoveLeader'),
  hashKv: method<{ revision: Int64Input }, HashKvResponse>('Maintenance', 'HashKV'),
  snapshot: method<Record<string, never>, SnapshotResponse>('Maintenance', 'Snapshot'),
  leaseLeases: method<Record<string, never>, { header: ResponseHeader | null; leases: { ID: Int64 }[] }>('Lease', 'LeaseLeases'),
} as const;
