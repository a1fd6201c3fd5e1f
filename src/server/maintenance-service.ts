/**
 * etcdserverpb.Maintenance for this member, as etcd 3.4 answers
 * (etcdserver/api/v3rpc/maintenance.go):
 * - Status: version, data size, leader, Raft index/term/applied index;
 *   `errors` holds "etcdserver: no leader" while there is none.
 * - HashKV: the store's hash up to a revision (equal across members that
 *   applied the same log; not comparable with etcd's own hash values).
 *   Hash: Conclave has no bbolt file to hash, so it answers HashKV's hash of
 *   the whole retained history (same purpose: compare members).
 * - Alarm: Conclave raises no alarms yet, so GET and DEACTIVATE answer an
 *   empty list; ACTIVATE is refused as unsupported.
 * - Defragment: LevelDB compacts itself, so there is nothing to do; success.
 * - MoveLeader: only on the leader (else etcd's "not leader"); hands
 *   leadership to a voter and answers once it leads.
 * - Snapshot: the member's whole state (Conclave.snapshot()) in etcd's
 *   framing: 32 KiB chunks with remaining_bytes, then the SHA-256 of the
 *   file, which etcdctl checks (see snapshot-file.ts for the layout).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { status, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
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
/** A data directory holds a handful of LevelDB files; more than this is not a member's directory. */
const MAX_DATA_FILES = 100_000;

/** Total bytes of the files under `dir` (the member's on-disk size, etcd's dbSize). */
export async function directoryBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  if (entries.length > MAX_DATA_FILES) throw new Error(`data directory ${dir} has more than ${MAX_DATA_FILES} entries`);
  const sizes = await Promise.all(
    entries.filter((entry) => entry.isFile()).map(async (entry) => {
      try {
        return (await stat(join(entry.parentPath, entry.name))).size;
      } catch {
        return 0; // LevelDB removed the file between listing and stat.
      }
    }),
  );
  return sizes.reduce((total, size) => total + size, 0);
}

export function maintenanceService(context: ServiceContext): UntypedServiceImplementation {
  const { db, headers, metrics } = context;
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, SERVICE, method, work);
  const observeSnapshot = metrics.observerFor('server_stream', SERVICE, 'Snapshot');
  return {
    Status: unary('Status', async (): Promise<wire.StatusResponse> => {
      const [status, dbSize] = await Promise.all([headers.refresh(), directoryBytes(context.dataDir)]);
      return {
        header: headers.header(status.revision),
        version: context.serverVersion,
        dbSize: String(dbSize),
        leader: String(status.leader),
        raftIndex: String(status.raftIndex),
        raftTerm: String(status.raftTerm),
        raftAppliedIndex: String(status.raftAppliedIndex),
        errors: status.leader === 0 ? [NO_LEADER] : [],
        dbSizeInUse: String(dbSize),
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
    Alarm: unary('Alarm', async (request: { action?: string }) => {
      if (request.action === 'ACTIVATE') throw conclaveErrors.notSupported('raising an alarm');
      return { header: headers.header(), alarms: [] };
    }),
    Defragment: unary('Defragment', async () => ({ header: headers.header() })),
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
