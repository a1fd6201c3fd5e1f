/**
 * etcdserverpb.Maintenance for this member, as etcd 3.4 answers
 * (etcdserver/api/v3rpc/maintenance.go):
 * - Status: version, backend size, leader, Raft index/term/applied index;
 *   `errors` holds "etcdserver: no leader" while there is none, then each
 *   raised alarm as etcd prints it ("memberID:<id> alarm:NOSPACE ").
 *   dbSize and dbSizeInUse are both the backend size the quota is checked on
 *   (actors/applier/backend-size.ts: the retained revisions and leases), so
 *   `etcdctl endpoint status` shows the figure --quota-backend-bytes limits.
 * - HashKV: the store's hash up to a revision (equal across members that
 *   applied the same log; not comparable with etcd's own hash values).
 *   Hash: Conclave has no bbolt file to hash, so it answers HashKV's hash of
 *   the whole retained history (same purpose: compare members).
 * - Alarm: GET, ACTIVATE and DEACTIVATE through Raft (src/embedded/alarm-api.ts).
 *   Conclave raises NOSPACE only; raising CORRUPT (a corruption check it does
 *   not run) is refused as unsupported, and nothing lists it.
 * - Defragment: drops the history a compaction left to background steps and
 *   counts the backend size anew, so the size reflects what compaction freed
 *   before a disarm. There is no file to rewrite (LevelDB compacts the Raft
 *   log's files itself).
 * - MoveLeader: only on the leader (else etcd's "not leader"); hands
 *   leadership to a voter and answers once it leads.
 * - Snapshot: the member's whole state (Conclave.snapshot()) in etcd's
 *   framing: 32 KiB chunks with remaining_bytes, then the SHA-256 of the
 *   file, which etcdctl checks (see snapshot-file.ts for the layout).
 */
import { status, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { AlarmMember } from '../embedded/alarm-api.ts';
import type { Conclave } from '../embedded/conclave.ts';
import type * as wire from '../proto/load.ts';
import { CallWriter, endWithStatus } from './call-writer.ts';
import { conclaveErrors, etcdErrors, toServiceError } from './errors.ts';
import { idToNumber, int64ToNumber } from './int64.ts';
import type { ServiceContext } from './service-context.ts';
import { encodeSnapshotFile } from './snapshot-file.ts';
import { streamSnapshot, type SnapshotResponse } from './snapshot-stream.ts';
import { unaryHandler } from './unary.ts';

const SERVICE = 'etcdserverpb.Maintenance';
/** etcd's ErrNoLeader text, which Status lists in `errors`. */
const NO_LEADER = 'etcdserver: no leader';
/** etcd's AlarmType names as Conclave's alarm table holds them; CORRUPT is never raised here. */
type WireAlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';

interface WireAlarmRequest {
  readonly action?: 'GET' | 'ACTIVATE' | 'DEACTIVATE';
  readonly memberID?: string;
  readonly alarm?: WireAlarmType;
}

/** An alarm row as etcd's AlarmMember.String() prints it (protobuf compact text, trailing space included). */
export const alarmText = (row: AlarmMember): string => `memberID:${row.memberId} alarm:${row.alarm} `;

const toWireAlarm = (row: AlarmMember) => ({ memberID: String(row.memberId), alarm: row.alarm });

/** etcd's Alarm RPC on the embedded alarm API. */
async function alarmRequest(db: Conclave, request: WireAlarmRequest): Promise<readonly AlarmMember[]> {
  const alarm = request.alarm ?? 'NONE';
  const action = request.action ?? 'GET';
  if (action === 'GET') return alarm === 'CORRUPT' ? [] : db.alarms.list(alarm);
  if (action === 'ACTIVATE' && alarm !== 'NOSPACE') throw conclaveErrors.notSupported(`raising the ${alarm} alarm`);
  // Only NOSPACE is ever raised: disarming anything else disarms nothing, as etcd answers for an alarm not raised.
  if (alarm !== 'NOSPACE') return [];
  const memberId = idToNumber(request.memberID, 'memberID');
  return action === 'ACTIVATE' ? db.alarms.activate(memberId, alarm) : db.alarms.deactivate(memberId, alarm);
}

export function maintenanceService(context: ServiceContext): UntypedServiceImplementation {
  const { db, headers, metrics } = context;
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, SERVICE, method, work);
  const observeSnapshot = metrics.observerFor('server_stream', SERVICE, 'Snapshot');
  return {
    Status: unary('Status', async (): Promise<wire.StatusResponse> => {
      const status = await headers.refresh();
      return {
        header: headers.header(status.revision),
        version: context.serverVersion,
        dbSize: String(status.backendBytes),
        leader: String(status.leader),
        raftIndex: String(status.raftIndex),
        raftTerm: String(status.raftTerm),
        raftAppliedIndex: String(status.raftAppliedIndex),
        errors: [...(status.leader === 0 ? [NO_LEADER] : []), ...status.alarms.map(alarmText)],
        dbSizeInUse: String(status.backendBytes),
        isLearner: false,
      };
    }),
    HashKV: unary('HashKV', async (request: { revision?: string }) => {
      const result = await db.hashKv(int64ToNumber(request.revision, 'revision'));
      return { header: headers.header(result.revision), hash: result.hash, compact_revision: String(result.compactRevision) };
    }),
    Hash: unary('Hash', async () => {
      const result = await db.hashKv(0);
      return { header: headers.header(result.revision), hash: result.hash };
    }),
    Alarm: unary('Alarm', async (request: WireAlarmRequest) => {
      const alarms = await alarmRequest(db, request);
      return { header: headers.header(), alarms: alarms.map(toWireAlarm) };
    }),
    Defragment: unary('Defragment', async () => {
      await db.defragment();
      return { header: headers.header() };
    }),
    MoveLeader: unary('MoveLeader', async (request: { targetID?: string }) => {
      const status = await headers.refresh();
      if (status.leader !== status.memberId) throw etcdErrors.notLeader();
      await db.cluster.moveLeader(idToNumber(request.targetID, 'targetID'));
      return { header: headers.header() };
    }),
    Snapshot: (call: ServerWritableStream<unknown, unknown>) => {
      const startedMs = performance.now();
      db.snapshot()
        .then((state) => streamSnapshot(new CallWriter<SnapshotResponse>(call), encodeSnapshotFile(state)))
        .then(
          () => {
            observeSnapshot(status.OK, startedMs);
            call.end();
          },
          (error: unknown) => {
            const refusal = toServiceError(error);
            observeSnapshot(refusal.code ?? status.UNKNOWN, startedMs);
            endWithStatus(call, refusal);
          },
        );
    },
  };
}
