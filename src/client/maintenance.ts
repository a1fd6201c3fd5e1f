/**
 * Per-endpoint calls that only a remote client has (the embedded handle is
 * one member, so it has no endpoints to choose between): the status and
 * health of one named endpoint, as etcdctl's `endpoint status|health` show
 * them, and the Snapshot stream. None of them fails over: the caller asked
 * about one endpoint and must hear about that one.
 */
import { isAlarmType, type AlarmMember } from '../../actors/applier/alarm-table.ts';
import type { MemberStatus } from '../embedded/conclave.ts';
import { ConclaveError } from '../embedded/errors.ts';
import type { EndpointChannel } from './endpoint-pool.ts';
import { clientMethods, type SnapshotResponse } from './methods.ts';
import { isCallFailure } from './retry-policy.ts';
import { toConclaveError, type RpcCaller } from './rpc-caller.ts';
import { plainBytes, wireNumber } from './wire-codec.ts';

export interface EndpointStatus {
  /** host:port as given to connect(). */
  readonly endpoint: string;
  readonly memberId: number;
  readonly clusterId: number;
  readonly version: string;
  readonly dbSizeBytes: number;
  readonly leader: number;
  readonly isLearner: boolean;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly revision: number;
  /** etcd's Status.errors, e.g. "etcdserver: no leader". */
  readonly errors: readonly string[];
}

export interface EndpointHealth {
  readonly endpoint: string;
  readonly healthy: boolean;
  readonly tookMs: number;
  /** Why it is unhealthy; empty when healthy. */
  readonly error: string;
}

export interface MaintenanceApi {
  /** The endpoints given to connect(), as host:port. */
  endpoints(): string[];
  endpointStatus(endpoint: string): Promise<EndpointStatus>;
  /** etcdctl's check: a linearizable read (of key "health") commits through the member's leader. */
  endpointHealth(endpoint: string): Promise<EndpointHealth>;
  /**
   * The member's backend snapshot as chunks, from the first endpoint that
   * answers. `onRemainingBytes` hears, with each chunk, how many bytes of the
   * file are still to come after it (etcd's remaining_bytes; the trailing
   * 32-byte SHA-256 chunk comes with 0): a progress display's total.
   */
  snapshot(options?: { readonly onRemainingBytes?: (remainingBytes: number) => void }): AsyncIterable<Uint8Array>;
}

const HEALTH_KEY = new TextEncoder().encode('health');

export function maintenanceApi(caller: RpcCaller): MaintenanceApi {
  const channelOf = (endpoint: string): EndpointChannel => {
    const channel = caller.pool.all().find((candidate) => candidate.endpoint.address === endpoint);
    if (channel === undefined) throw new Error(`${endpoint} is not one of this client's endpoints`);
    return channel;
  };

  return {
    endpoints: () => caller.pool.all().map((channel) => channel.endpoint.address),
    async endpointStatus(endpoint) {
      const response = await caller.unary(clientMethods.status, {}, 'repeatable', { channel: channelOf(endpoint) });
      return {
        endpoint,
        memberId: wireNumber(response.header?.member_id, 'member_id'),
        clusterId: wireNumber(response.header?.cluster_id, 'cluster_id'),
        version: response.version,
        dbSizeBytes: wireNumber(response.dbSize, 'dbSize'),
        leader: wireNumber(response.leader, 'leader'),
        isLearner: response.isLearner,
        raftTerm: wireNumber(response.raftTerm, 'raftTerm'),
        raftIndex: wireNumber(response.raftIndex, 'raftIndex'),
        raftAppliedIndex: wireNumber(response.raftAppliedIndex, 'raftAppliedIndex'),
        revision: wireNumber(response.header?.revision, 'revision'),
        errors: response.errors,
      };
    },
    async endpointHealth(endpoint) {
      const startedMs = performance.now();
      try {
        await caller.unary(clientMethods.range, { key: HEALTH_KEY }, 'repeatable', { channel: channelOf(endpoint) });
        return { endpoint, healthy: true, tookMs: performance.now() - startedMs, error: '' };
      } catch (error) {
        if (!(error instanceof ConclaveError)) throw error;
        return { endpoint, healthy: false, tookMs: performance.now() - startedMs, error: error.message };
      }
    },
    snapshot: (options = {}) => snapshotChunks(caller, options.onRemainingBytes),
  };
}

async function* snapshotChunks(caller: RpcCaller, onRemainingBytes?: (remainingBytes: number) => void): AsyncIterable<Uint8Array> {
  caller.assertOpen();
  const channel = caller.pool.pick();
  const call = channel.client.makeServerStreamRequest(
    clientMethods.snapshot.path,
    clientMethods.snapshot.requestSerialize,
    clientMethods.snapshot.responseDeserialize,
    {},
  );
  try {
    for await (const response of call as AsyncIterable<SnapshotResponse>) {
      onRemainingBytes?.(wireNumber(response.remaining_bytes, 'remaining_bytes'));
      yield plainBytes(response.blob);
    }
  } catch (error) {
    throw isCallFailure(error) ? toConclaveError(error, caller.pool.secure) : error;
  } finally {
    call.cancel();
  }
}

/** The embedded MemberStatus of the member behind `channel` (Status, plus HashKV for the compaction revision). */
export async function memberStatus(caller: RpcCaller, channel: EndpointChannel): Promise<MemberStatus> {
  const [status, hash] = await Promise.all([
    caller.unary(clientMethods.status, {}, 'repeatable', { channel }),
    caller.unary(clientMethods.hashKv, { revision: 0 }, 'repeatable', { channel }),
  ]);
  return {
    memberId: wireNumber(status.header?.member_id, 'member_id'),
    clusterId: wireNumber(status.header?.cluster_id, 'cluster_id'),
    leader: wireNumber(status.leader, 'leader'),
    raftTerm: wireNumber(status.raftTerm, 'raftTerm'),
    raftIndex: wireNumber(status.raftIndex, 'raftIndex'),
    raftAppliedIndex: wireNumber(status.raftAppliedIndex, 'raftAppliedIndex'),
    revision: wireNumber(status.header?.revision, 'revision'),
    compactRevision: wireNumber(hash.compact_revision, 'compact_revision'),
    // A removed member refuses every call (etcd: "the member has been permanently removed"), so one that answers is not removed.
    removed: false,
    backendBytes: wireNumber(status.dbSize, 'dbSize'),
    alarms: status.errors.flatMap(alarmOfStatusError),
  };
}

/**
 * etcd's Status lists each alarm the member applied in `errors` as
 * AlarmMember's text form ("memberID:<id> alarm:NOSPACE "), beside texts
 * such as "etcdserver: no leader". Only alarms the embedded type can hold
 * (NOSPACE) are kept; a CORRUPT alarm from real etcd has no embedded twin.
 */
function alarmOfStatusError(text: string): AlarmMember[] {
  const match = /^memberID:(\d+) alarm:([A-Z]+)\s*$/.exec(text);
  if (match === null || !isAlarmType(match[2])) return [];
  return [{ memberId: wireNumber(match[1], 'memberID'), alarm: match[2] }];
}
