/**
 * Finds a cluster's leader the way an operator would: Maintenance.Status on
 * every member, whose `leader` field names the leader's member id and whose
 * header names the answering member. A leader counts only when every member
 * asked answers and all name the same one, which is also one of them, so a
 * round never starts while an election or a catch-up is still going on.
 * Polling is bounded by a deadline.
 */
import { EtcdConnection } from '../../src/bench/connection.ts';
import { parseEndpoints } from '../../src/bench/options.ts';
import { etcdMethods } from '../../src/proto/load.ts';

export interface MemberAddress {
  name: string;
  /** host:port */
  endpoint: string;
}

/** Status calls are short: a member that does not answer in this time is not ready. */
const statusTimeoutMs = 1_000;
const pollIntervalMs = 50;

export interface StatusAnswer {
  memberId: string;
  leaderId: string;
}

/** The leader's name when every answer names the same leader and it is one of the members, else null. */
export function agreedLeader(members: readonly MemberAddress[], answers: readonly (StatusAnswer | null)[]): string | null {
  if (answers.length !== members.length) throw new Error(`agreedLeader: ${answers.length} answers for ${members.length} members`);
  const leaderIds = new Set<string>();
  for (const answer of answers) {
    if (answer === null || answer.leaderId === '0') return null;
    leaderIds.add(answer.leaderId);
  }
  if (leaderIds.size !== 1) return null;
  const [leaderId] = leaderIds;
  const index = answers.findIndex((answer) => answer?.memberId === leaderId);
  return index < 0 ? null : (members[index]?.name ?? null);
}

/** Polls until the members agree on a leader; returns its name. Throws after `timeoutMs` with the last answers. */
export async function waitForAgreedLeader(members: readonly MemberAddress[], timeoutMs: number): Promise<string> {
  if (members.length === 0) throw new Error('waitForAgreedLeader: no members');
  const conns = members.map((member) => {
    const [endpoint] = parseEndpoints(member.endpoint);
    if (endpoint === undefined) throw new Error(`bad endpoint ${member.endpoint}`);
    return new EtcdConnection(endpoint);
  });
  const deadlineMs = performance.now() + timeoutMs;
  let last: (StatusAnswer | string)[] = [];
  try {
    while (performance.now() < deadlineMs) {
      last = await Promise.all(
        conns.map((conn) =>
          conn.unary(etcdMethods.status, {}, statusTimeoutMs).then(
            (status): StatusAnswer => ({ memberId: String(status.header?.member_id ?? '0'), leaderId: String(status.leader) }),
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          ),
        ),
      );
      const leader = agreedLeader(members, last.map((answer) => (typeof answer === 'string' ? null : answer)));
      if (leader !== null) return leader;
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  } finally {
    for (const conn of conns) conn.close();
  }
  const seen = members.map((member, i) => {
    const answer = last[i];
    return `${member.name}: ${typeof answer === 'string' ? answer : answer === undefined ? 'no answer' : `leader ${answer.leaderId}`}`;
  });
  throw new Error(`members did not agree on a leader within ${timeoutMs} ms (${seen.join('; ')})`);
}
