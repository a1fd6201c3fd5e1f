/**
 * Who leads, and member IDs by name, asked of the members themselves through
 * Maintenance.Status (each answer carries the member's own ID in its header
 * and the leader it follows). Leadership is only observable by asking, so
 * this polls — bounded, with a short interval.
 */
import type { LocalCluster } from '../../../src/cli/local-cluster/launcher.ts';
import { MemberClientPool } from './member-client.ts';

const statusTimeoutMs = 1_000;
const pollIntervalMs = 50;

export interface LeaderView {
  readonly leader: string;
  /** Member name -> its ID (uint64 as a decimal string), for the members that answered. */
  readonly ids: ReadonlyMap<string, string>;
}

/**
 * Resolves once a majority of `cluster`'s running members name the same
 * leader and that leader is itself one of them (and answers); `exclude`
 * ignores members known to be cut off. Throws after `timeoutMs`.
 */
export async function findLeader(cluster: LocalCluster, timeoutMs: number, exclude: readonly string[] = []): Promise<LeaderView> {
  const pool = new MemberClientPool();
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  try {
    while (Date.now() < deadline) {
      const members = cluster.members.filter((member) => member.pid !== null && !exclude.includes(member.name));
      const answers = await Promise.all(
        members.map(async (member) => {
          try {
            const status = await pool.get(member.endpoint).status(statusTimeoutMs);
            return { name: member.name, id: status.header?.member_id ?? '0', leader: status.leader };
          } catch {
            return null;
          }
        }),
      );
      const answered = answers.filter((answer) => answer !== null);
      const ids = new Map(answered.map((answer) => [answer.name, answer.id]));
      const votes = new Map<string, number>();
      for (const answer of answered) votes.set(answer.leader, (votes.get(answer.leader) ?? 0) + 1);
      const majority = Math.floor(cluster.members.length / 2) + 1;
      for (const [leaderId, count] of votes) {
        const leader = answered.find((answer) => answer.id === leaderId);
        if (leaderId !== '0' && count >= majority && leader !== undefined) return { leader: leader.name, ids };
      }
      last = JSON.stringify(answered);
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  } finally {
    pool.closeAll();
  }
  throw new Error(`no leader agreed by a majority within ${timeoutMs} ms; last answers: ${last}`);
}

/** Any running member that is not `name`. */
export function otherMember(cluster: LocalCluster, name: string): string {
  const other = cluster.members.find((member) => member.name !== name && member.pid !== null);
  if (other === undefined) throw new Error(`no running member besides ${name}`);
  return other.name;
}
