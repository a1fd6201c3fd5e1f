/**
 * The v3lockpb and v3electionpb messages as the proto loader decodes them
 * (options fixed in src/proto/load.ts: snake_case names, int64 as decimal
 * strings, bytes as Buffer, an unset sub-message as null). Requests list
 * their fields as optional: proto3 leaves a client free to omit any of them.
 *
 * Types only; never runtime code.
 */
import type { Int64Input, KeyValue, ResponseHeader } from '../proto/load.ts';

export interface LockRequest {
  name?: Buffer;
  lease?: Int64Input;
}

export interface LockResponse {
  header: ResponseHeader;
  key: Uint8Array;
}

export interface UnlockRequest {
  key?: Buffer;
}

export interface UnlockResponse {
  header: ResponseHeader;
}

/** What a Campaign answers and Proclaim/Resign present: the leader's key and the revision it was created at. */
export interface LeaderKey {
  name: Uint8Array;
  key: Uint8Array;
  rev: Int64Input;
  lease: Int64Input;
}

export interface CampaignRequest {
  name?: Buffer;
  lease?: Int64Input;
  value?: Buffer;
}

export interface CampaignResponse {
  header: ResponseHeader;
  leader: LeaderKey;
}

export interface ProclaimRequest {
  leader?: Partial<LeaderKey> | null;
  value?: Buffer;
}

export interface ResignRequest {
  leader?: Partial<LeaderKey> | null;
}

export interface LeaderRequest {
  name?: Buffer;
}

export interface LeaderResponse {
  header: ResponseHeader;
  kv: KeyValue;
}

/** Proclaim and Resign answer a header only. */
export interface HeaderResponse {
  header: ResponseHeader;
}
