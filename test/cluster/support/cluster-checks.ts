/**
 * What must hold after a fault run, checked against the real cluster:
 *  1. the recorded history is linearizable (the project's checker, kv model);
 *  2. no acknowledged write is lost: each is readable at its own revision;
 *  3. every member holds the same key-value history: equal HashKV at one
 *     revision (HashKV covers every revision up to it, so equal hashes mean
 *     equal histories, not just equal final values).
 * Each check returns a problem description (empty when fine) so a test can
 * report all of them at once; none retries past its bound.
 */
import { checkLinearizable, explain, kvModel } from '../../sim/linearizability/index.ts';
import type { LoadResult } from './client-load.ts';
import { MemberClientPool, type MemberClient } from './member-client.ts';

const callTimeoutMs = 2_000;
/** Reads in flight while checking acknowledged writes. */
const readsInFlight = 32;
/** How long members get to catch up to the revision being hashed. */
const catchUpTimeoutMs = 15_000;
const catchUpPollMs = 50;

export function linearizabilityProblems(result: LoadResult): string[] {
  const verdict = checkLinearizable(kvModel, result.operations, { maxStepsPerPartition: 2_000_000, timeLimitMs: 20_000 });
  return verdict.verdict === 'ok' ? [] : [`history of ${result.operations.length} operations is not proven linearizable:\n${explain(kvModel, verdict)}`];
}

/** Reads every acknowledged write back at its revision from `client`. */
export async function lostWriteProblems(client: MemberClient, result: LoadResult): Promise<string[]> {
  const problems: string[] = [];
  const writes = [...result.acknowledgedWrites];
  const worker = async (): Promise<void> => {
    for (let write = writes.pop(); write !== undefined; write = writes.pop()) {
      const response = await client.range({ key: Buffer.from(write.key), revision: write.revision.toString() }, callTimeoutMs);
      const found = response.kvs[0];
      if (found === undefined || found.value.toString('utf8') !== write.value || BigInt(found.mod_revision) !== write.revision) {
        const seen = found === undefined ? 'nothing' : `${JSON.stringify(found.value.toString('utf8'))} (mod revision ${found.mod_revision})`;
        problems.push(`acknowledged write ${write.key}=${JSON.stringify(write.value)} at revision ${write.revision} is lost: ${client.endpoint} has ${seen} there`);
      }
    }
  };
  await Promise.all(Array.from({ length: readsInFlight }, worker));
  return problems;
}

/** The cluster's current revision, from a linearizable read on the first member that answers. */
export async function currentRevision(endpoints: readonly string[], pool: MemberClientPool): Promise<bigint> {
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    try {
      const response = await pool.get(endpoint).range({ key: Buffer.from('\0') }, callTimeoutMs);
      return BigInt(response.header?.revision ?? '0');
    } catch (error) {
      failures.push(`${endpoint}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no member answered a linearizable read: ${failures.join('; ')}`);
}

/** HashKV at one revision on every endpoint (waiting, bounded, for each to reach it); problems when any differ. */
export async function hashKvProblems(endpoints: readonly string[]): Promise<string[]> {
  const pool = new MemberClientPool();
  try {
    const revision = await currentRevision(endpoints, pool);
    const hashes = await Promise.all(endpoints.map((endpoint) => hashWhenCaughtUp(pool.get(endpoint), revision)));
    const distinct = new Set(hashes.map((h) => `${h.hash}/${h.compactRevision}`));
    if (distinct.size === 1) return [];
    return [`HashKV at revision ${revision} differs: ${hashes.map((h, i) => `${endpoints[i]}=${h.hash} (compact ${h.compactRevision})`).join(', ')}`];
  } finally {
    pool.closeAll();
  }
}

async function hashWhenCaughtUp(client: MemberClient, revision: bigint): Promise<{ hash: number; compactRevision: string }> {
  const deadline = Date.now() + catchUpTimeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await client.hashKv(revision, callTimeoutMs);
      return { hash: response.hash, compactRevision: response.compact_revision };
    } catch (error) {
      // A member behind the revision answers "future revision"; it is catching up.
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
  }
  throw new Error(`${client.endpoint} gave no HashKV at revision ${revision} within ${catchUpTimeoutMs} ms: ${lastError}`);
}
