/**
 * v3electionpb.Election/Observe: a server stream of the election's leader,
 * as etcd 3.4's concurrency.Election observes it:
 *
 * 1. read the oldest key under `name/`; if there is none, watch the prefix
 *    from that read's revision and take the first put (its header revision
 *    is the put's mod revision);
 * 2. send it, then follow that key from the next revision: every put (a
 *    Proclaim) is sent with its watch header, and its deletion (Resign,
 *    lease gone) starts again at 1.
 *
 * A watch that ends on its own (compaction, member closing) ends the stream
 * with OK, as etcd's does; the client going away ends it at once.
 *
 * Never: keep a watch after the call is over, or write after the call ended.
 */
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { KeyValue } from '../../actors/applier/mvcc/index.ts';
import { CallWriter, endWithStatus } from './call-writer.ts';
import { toServiceError } from './errors.ts';
import { encodeKeyValue } from './kv-codec.ts';
import { contendersPrefix, firstCreatedUnder } from './recipe-keys.ts';
import { asRecipeRefusal, cancellationOf } from './recipe-unary.ts';
import type { LeaderRequest, LeaderResponse } from './recipe-wire.ts';
import type { ServiceContext } from './service-context.ts';
import { watchUntil } from './watch-until.ts';

interface SeenLeader {
  readonly revision: number;
  readonly kv: KeyValue;
}

class Observation {
  private readonly signal: AbortSignal;
  private readonly writer: CallWriter<LeaderResponse>;
  private readonly prefix: Uint8Array;

  constructor(
    private readonly context: ServiceContext,
    private readonly call: ServerWritableStream<LeaderRequest, LeaderResponse>,
  ) {
    this.signal = cancellationOf(call);
    this.writer = new CallWriter(call);
    this.prefix = contendersPrefix(call.request.name ?? new Uint8Array(0));
  }

  /** Serves the stream to its end; resolves with the status it ended with. */
  async run(): Promise<status> {
    try {
      await this.followLeaders();
      this.call.end();
      return status.OK;
    } catch (error) {
      if (this.signal.aborted) return status.CANCELLED;
      const refusal = toServiceError(asRecipeRefusal(error));
      endWithStatus(this.call, refusal);
      return refusal.code ?? status.UNKNOWN;
    }
  }

  /** One round per leader, for as long as the stream lives; returns when a watch ends on its own. */
  private async followLeaders(): Promise<void> {
    for (;;) {
      const leader = await this.awaitLeader();
      if (leader === null) return;
      await this.send(leader.revision, leader.kv);
      const end = await watchUntil(this.context.db, { key: leader.kv.key, startRevision: leader.revision + 1 }, this.signal, async (events, revision) => {
        for (const event of events) {
          if (event.type === 'delete') return true;
          await this.send(revision, event.kv);
        }
        return false;
      });
      if (!end.reached) return;
    }
  }

  /** The current leader, or the first one elected after now; null when the watch ended first. */
  private async awaitLeader(): Promise<SeenLeader | null> {
    const range = await this.context.db.range(firstCreatedUnder(this.prefix));
    const current = range.kvs[0];
    if (current !== undefined) return { revision: range.revision, kv: current };
    const elected: KeyValue[] = [];
    const end = await watchUntil(this.context.db, { key: this.prefix, prefix: true, startRevision: range.revision }, this.signal, (events) => {
      const put = events.find((event) => event.type === 'put');
      if (put !== undefined) elected.push(put.kv);
      return put !== undefined;
    });
    const first = elected[0];
    return end.reached && first !== undefined ? { revision: first.modRevision, kv: first } : null;
  }

  private send(revision: number, kv: KeyValue): Promise<void> {
    return this.writer.write({ header: this.context.headers.header(revision), kv: encodeKeyValue(kv) });
  }
}

/** The Observe handler: one Observation per call, its end recorded in the metrics. */
export function observeHandler(context: ServiceContext) {
  const observe = context.metrics.observerFor('server_stream', 'v3electionpb.Election', 'Observe');
  return (call: ServerWritableStream<LeaderRequest, LeaderResponse>) => {
    const startedMs = performance.now();
    void new Observation(context, call).run().then((code) => observe(code, startedMs));
  };
}
