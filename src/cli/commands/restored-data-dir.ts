/**
 * Writes the data directory `snapshot restore` makes: the one a member of a
 * NEW cluster would hold had it been bootstrapped with the given flags and
 * then installed the saved state as a Raft snapshot from its leader. So
 * `conclave serve` with the same flags starts on it through its ordinary
 * path, with nothing special for restored directories:
 * - the bootstrap record (conclave-member.json), written by the very code a
 *   fresh bootstrap runs (planCluster, state 'new'), so the cluster and
 *   member IDs are the ones `serve` derives from those flags;
 * - the Raft log (raft-log/), through the log writer's own store: its
 *   identity record, a snapshot at index = the number of members and term 1
 *   (what etcd's restore picks: the index its bootstrap conf changes would
 *   end at), and the hard state {term 1, no vote, commit = that index}.
 *
 * The snapshot's state is the saved one with what belongs to the old cluster
 * replaced, as etcd's restore replaces its member buckets: the member table is
 * the one on the command line, no member counts as removed, and alarms are
 * dropped (they name members of the old cluster, and a NOSPACE alarm of a
 * member that no longer exists could never be disarmed). KV data, revisions,
 * compaction state and leases are kept as saved; the applied index becomes
 * the snapshot's.
 *
 * Every member of the new cluster restores the same file with its own
 * --name: each writes the same snapshot, so their logs agree at its index.
 *
 * Never: leave a directory that looks whole after a failure. Everything is
 * written into a temporary sibling and renamed into place last.
 */
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LeaseTable } from '../../../actors/applier/lease-table.ts';
import { MvccStore } from '../../../actors/applier/mvcc/index.ts';
import { encodeMemberState, type DecodedMemberState, type MemberState } from '../../../actors/applier/state-snapshot.ts';
import { openLevelLogStore } from '../../../actors/log-writer/index.ts';
import { NO_NODE, type Snapshot } from '../../../actors/raft/core/types.ts';
import { planCluster, type ClusterPlan } from '../../embedded/cluster-plan.ts';
import { CommandFailure } from './command-line.ts';

export interface RestoreTarget {
  readonly dataDir: string;
  readonly name: string;
  readonly clusterToken: string;
  /** Every member's name and peer URLs (--initial-cluster), this one's included. */
  readonly initialCluster: Readonly<Record<string, readonly string[]>>;
}

export interface RestoredDataDir {
  readonly clusterId: number;
  readonly memberId: number;
  /** The Raft snapshot's index (and the state's applied index). */
  readonly index: number;
  readonly revision: number;
}

/** etcd's restore starts the new cluster's log at term 1. */
const RESTORED_TERM = 1;

/** etcd refuses to restore over an existing directory; an empty one holds nothing to lose, so it is taken. */
async function assertFree(dataDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CommandFailure(`data-dir "${dataDir}": ${(error as Error).message}`);
  }
  if (names.length > 0) throw new CommandFailure(`data-dir "${dataDir}" exists and is not empty`);
}

/** Checks the saved rows as a starting member will, before anything is written. */
function restoredState(saved: DecodedMemberState, plan: ClusterPlan, index: number): MemberState {
  const leases = new LeaseTable();
  try {
    leases.replace(saved.leases);
    MvccStore.restore(saved.mvcc, leases);
  } catch (error) {
    throw new CommandFailure(`snapshot file integrity check failed: ${(error as Error).message}`);
  }
  return { appliedIndex: index, mvcc: { ...saved.mvcc, appliedIndex: index }, leases: leases.entries(), members: plan.initialMembers, removedMembers: [] };
}

async function writeRaftLog(dir: string, plan: ClusterPlan, snapshot: Snapshot): Promise<void> {
  const store = await openLevelLogStore({ dataDir: dir, clusterId: plan.clusterId, memberId: plan.memberId });
  try {
    await store.saveSnapshot(snapshot);
    await store.append([], { term: RESTORED_TERM, vote: NO_NODE, commit: snapshot.meta.index });
  } finally {
    await store.close();
  }
}

const neverDiscover = (): never => {
  throw new Error('invariant: a restore bootstraps a new cluster; it never asks running members');
};

export async function writeRestoredDataDir(saved: DecodedMemberState, target: RestoreTarget): Promise<RestoredDataDir> {
  await assertFree(target.dataDir);
  await mkdir(dirname(target.dataDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(target.dataDir), `.${basename(target.dataDir)}.restoring-`));
  try {
    const plan = await planCluster(staging, target.name, target.clusterToken, { initialCluster: target.initialCluster, state: 'new' }, neverDiscover);
    const index = plan.bootstrapVoters.length;
    const state = restoredState(saved, plan, index);
    const snapshot: Snapshot = {
      meta: { index, term: RESTORED_TERM, conf: { voters: plan.bootstrapVoters, learners: [] } },
      data: encodeMemberState(state),
    };
    await writeRaftLog(staging, plan, snapshot);
    // Replaces an empty directory of that name too (rename(2)); a non-empty one makes it fail, never merges.
    await rename(staging, target.dataDir);
    return { clusterId: plan.clusterId, memberId: plan.memberId, index, revision: state.mvcc.currentRevision };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof Error && error.name === 'ClusterPlanError') throw new CommandFailure(error.message);
    throw error;
  }
}
