/**
 * v3electionpb.Election: leader election on the KV with etcd 3.4's protocol
 * (etcdserver/api/v3election over clientv3/concurrency's Election), so it
 * interoperates with `etcdctl elect` and Go's concurrency.Election.
 *
 * - Campaign(name, lease, value): queue `name/<lease hex>` holding `value`
 *   (a re-campaign on the same lease keeps its place and proclaims the new
 *   value), wait until every key created before it is gone, then answer the
 *   leader key {name, key, rev: its create revision, lease} with the header
 *   of the queueing txn. A client that leaves while waiting resigns.
 * - Proclaim(leader, value): overwrite the value while the key still has the
 *   leader's create revision, else "election: not leader".
 * - Resign(leader): delete the key if it still has that create revision;
 *   no error if it does not (someone else's key is never touched). etcd
 *   also grants an unused session lease when the presented lease is 0;
 *   Conclave does not (nothing could observe it but the lease count).
 * - Leader(name): the oldest key under `name/`, else "election: no leader".
 * - Observe(name): see election-observe.ts.
 *
 * Never: write a leader key without comparing its create revision (that is
 * what keeps a deposed leader from overwriting its successor).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Conclave } from '../embedded/conclave.ts';
import { observeHandler } from './election-observe.ts';
import { idToNumber, int64ToNumber } from './int64.ts';
import { encodeKeyValue } from './kv-codec.ts';
import { contenderKey, contendersPrefix, createdAt, existingKey, firstCreatedUnder, rangeResult, sessionLease } from './recipe-keys.ts';
import { recipeErrorTexts, recipeRefusal, recipeUnary } from './recipe-unary.ts';
import type { CampaignRequest, CampaignResponse, HeaderResponse, LeaderKey, LeaderRequest, LeaderResponse, ProclaimRequest, ResignRequest } from './recipe-wire.ts';
import type { ServiceContext } from './service-context.ts';
import { waitForDeletes } from './wait-deletes.ts';

const SERVICE = 'v3electionpb.Election';
const EMPTY = new Uint8Array(0);

/** A leader key as presented by a client, decoded. */
interface Leadership {
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly lease: number;
}

function leadershipOf(leader: Partial<LeaderKey> | null | undefined): Leadership {
  if (leader === null || leader === undefined) throw recipeRefusal(recipeErrorTexts.missingLeaderKey);
  return { key: leader.key ?? EMPTY, createRevision: int64ToNumber(leader.rev, 'rev'), lease: idToNumber(leader.lease, 'lease') };
}

/** Puts `value` on the leader key if it is still ours; returns the revision. */
async function proclaim(db: Conclave, leadership: Leadership, value: Uint8Array): Promise<number> {
  const { key, createRevision, lease } = leadership;
  const txn = await db.txn({ compare: [createdAt(key, createRevision)], success: [{ type: 'put', key, value, lease }], failure: [] });
  if (!txn.succeeded) throw recipeRefusal(recipeErrorTexts.electionNotLeader);
  return txn.revision;
}

/** Deletes the leader key if it is still ours; returns the revision. */
async function resign(db: Conclave, { key, createRevision }: Leadership): Promise<number> {
  const txn = await db.txn({ compare: [createdAt(key, createRevision)], success: [{ type: 'delete-range', key }], failure: [] });
  return txn.revision;
}

export function electionService(context: ServiceContext): UntypedServiceImplementation {
  const { db, headers, metrics } = context;
  const unary = <Req, Res>(method: string, work: (request: Req, signal: AbortSignal) => Promise<Res>) => recipeUnary(metrics, SERVICE, method, work);

  async function campaign(request: CampaignRequest, signal: AbortSignal): Promise<CampaignResponse> {
    const name = request.name ?? EMPTY;
    const value = request.value ?? EMPTY;
    const lease = await sessionLease(db, idToNumber(request.lease, 'lease'));
    const prefix = contendersPrefix(name);
    const key = contenderKey(prefix, lease);
    const queued = await db.txn({ compare: [createdAt(key, 0)], success: [{ type: 'put', key, value, lease }], failure: [{ type: 'range', key }] });
    const leadership: Leadership = {
      key,
      lease,
      createRevision: queued.succeeded ? queued.revision : existingKey(rangeResult(queued.responses[0])).createRevision,
    };
    if (!queued.succeeded && !Buffer.from(existingKey(rangeResult(queued.responses[0])).value).equals(value)) {
      try {
        await proclaim(db, leadership, value);
      } catch (error) {
        await resign(db, leadership);
        throw error;
      }
    }
    try {
      await waitForDeletes(db, prefix, leadership.createRevision - 1, signal);
    } catch (error) {
      // etcd resigns only when the campaigner left; other failures keep the key (its lease bounds it).
      if (signal.aborted) await resign(db, leadership).catch(() => undefined);
      throw error;
    }
    return {
      header: headers.header(queued.revision),
      leader: { name, key, rev: leadership.createRevision, lease },
    };
  }

  return {
    Campaign: unary('Campaign', campaign),
    Proclaim: unary('Proclaim', async (request: ProclaimRequest): Promise<HeaderResponse> => {
      const presented = leadershipOf(request.leader);
      // etcd resumes the election in a session on the presented lease: lease 0 gets a fresh one.
      const leadership = { ...presented, lease: await sessionLease(db, presented.lease) };
      return { header: headers.header(await proclaim(db, leadership, request.value ?? EMPTY)) };
    }),
    Resign: unary('Resign', async (request: ResignRequest): Promise<HeaderResponse> => ({
      header: headers.header(await resign(db, leadershipOf(request.leader))),
    })),
    Leader: unary('Leader', async (request: LeaderRequest): Promise<LeaderResponse> => {
      const range = await db.range(firstCreatedUnder(contendersPrefix(request.name ?? EMPTY)));
      const leader = range.kvs[0];
      if (leader === undefined) throw recipeRefusal(recipeErrorTexts.electionNoLeader);
      return { header: headers.header(range.revision), kv: encodeKeyValue(leader) };
    }),
    Observe: observeHandler(context),
  };
}
