/**
 * One etcdserverpb.Watch bidirectional stream: many watches, each an
 * embedded `Watch` pumped onto the call, with etcd 3.4's stream semantics
 * (etcdserver/api/v3rpc/watch.go):
 *
 * - create: IDs are per stream, chosen by the client (non-zero watch_id) or
 *   the lowest free one counting from 0; the `created` response (header
 *   revision = the store's revision at creation) precedes every event of the
 *   watch. A refused create answers created+canceled with watch_id -1.
 * - cancel: answered with `canceled`; nothing of that watch follows. An
 *   unknown ID is ignored, as etcd does.
 * - progress request: one header-only response with watch_id -1. Its
 *   revision is the lowest revision up to which every watch of the stream
 *   has been delivered (each watch confirms through the hub), so a client
 *   may resume any of them from it.
 * - a watch whose position falls below a compaction is canceled with
 *   compact_revision set.
 * - the client half-closing keeps the watches (etcd does too); the client
 *   cancelling or disconnecting ends them all at once.
 *
 * Never: write a watch's response after its `canceled`, or leave a watch in
 * the hub after the stream closed.
 */
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ChangeEvent, KeyValue } from '../../actors/applier/mvcc/index.ts';
import type { WatchFilter, WatchResponse } from '../../actors/watch-hub/index.ts';
import type { Watch } from '../embedded/watch.ts';
import type * as wire from '../proto/load.ts';
import { CallWriter, endWithStatus } from './call-writer.ts';
import { toServiceError } from './errors.ts';
import { int64ToNumber } from './int64.ts';
import { encodeKeyValue } from './kv-codec.ts';
import type { ServiceContext } from './service-context.ts';
import type { OpenStream } from './stream-registry.ts';

/** etcd's clientv3.InvalidWatchID: responses not tied to one watch. */
const STREAM_WATCH_ID = -1;
/** etcd's mvcc.ErrWatcherDuplicateID text. */
const DUPLICATE_WATCH_ID = 'mvcc: duplicate watch ID provided on the WatchStream';

const filterNames: Readonly<Partial<Record<string, WatchFilter>>> = { NOPUT: 'noput', NODELETE: 'nodelete' };

interface ActiveWatch {
  readonly watch: Watch;
  readonly prevKv: boolean;
}

interface ProgressRound {
  /** Watches that have not yet confirmed their position. */
  readonly waiting: Set<number>;
  lowestRevision: number;
  /** Another request arrived during this round: run a fresh round after it. */
  requestedAgain: boolean;
}

export class WatchStream implements OpenStream {
  readonly kind = 'watch';
  private readonly watches = new Map<number, ActiveWatch>();
  private readonly writer: CallWriter<wire.WatchResponse>;
  private nextWatchId = 0;
  private round: ProgressRound | null = null;
  private closed = false;

  constructor(
    private readonly context: ServiceContext,
    private readonly call: ServerDuplexStream<wire.WatchRequest, wire.WatchResponse>,
  ) {
    this.writer = new CallWriter(call);
  }

  watcherCount(): number {
    return this.watches.size;
  }

  /** Serves the stream until the client goes away or the server closes it. */
  async run(): Promise<void> {
    this.context.streams.add(this);
    this.call.once('close', () => this.release());
    try {
      for await (const request of this.call as AsyncIterable<wire.WatchRequest>) {
        if (this.closed) break;
        await this.handle(request);
      }
    } catch {
      // The client cancelled or the connection dropped: 'close' releases everything.
    }
  }

  close(reason: { code: number; details: string }): void {
    if (this.closed) return;
    this.release();
    endWithStatus(this.call, reason);
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { watch } of this.watches.values()) watch.cancel();
    this.watches.clear();
    this.round = null;
    this.context.streams.remove(this);
  }

  private async handle(request: wire.WatchRequest): Promise<void> {
    if ('create_request' in request && request.create_request) return this.create(request.create_request);
    if ('cancel_request' in request && request.cancel_request) return this.cancel(int64ToNumber(request.cancel_request.watch_id, 'watch_id'));
    if ('progress_request' in request && request.progress_request) return this.requestProgress();
    // etcd ignores a request with nothing set rather than ending the stream.
  }

  private async create(request: wire.WatchCreateRequest): Promise<void> {
    const requestedId = int64ToNumber(request.watch_id, 'watch_id');
    if (requestedId !== 0 && this.watches.has(requestedId)) return this.refuseCreate(DUPLICATE_WATCH_ID);
    const key = request.key && request.key.length > 0 ? request.key : Uint8Array.of(0);
    const rangeEnd = request.range_end && request.range_end.length > 0 ? request.range_end : undefined;
    const prevKv = request.prev_kv ?? false;
    let watch: Watch;
    try {
      watch = await this.context.db.watch({
        key,
        rangeEnd,
        startRevision: int64ToNumber(request.start_revision, 'start_revision'),
        prevKv,
        // A filter value this server does not know (a newer client's) filters nothing.
        filters: (request.filters ?? []).flatMap((filter) => filterNames[filter] ?? []),
        progressNotify: request.progress_notify ?? false,
        fragment: request.fragment ?? false,
      });
    } catch (error) {
      return this.refuseCreate(toServiceError(error).details ?? String(error));
    }
    // Re-checked after the await: the stream may have closed, or the ID been taken meanwhile.
    if (this.closed) return watch.cancel();
    if (requestedId !== 0 && this.watches.has(requestedId)) {
      watch.cancel();
      return this.refuseCreate(DUPLICATE_WATCH_ID);
    }
    const id = requestedId !== 0 ? requestedId : this.allocateId();
    const active = { watch, prevKv };
    this.watches.set(id, active);
    this.context.streams.touched();
    await this.writer.write({ ...this.emptyResponse(id, watch.createdRevision), created: true });
    void this.pump(id, active);
  }

  private allocateId(): number {
    // Bounded: at most `watches.size` IDs are taken.
    while (this.watches.has(this.nextWatchId)) this.nextWatchId += 1;
    const id = this.nextWatchId;
    this.nextWatchId += 1;
    return id;
  }

  private async refuseCreate(reason: string): Promise<void> {
    await this.writer.write({
      ...this.emptyResponse(STREAM_WATCH_ID),
      created: true,
      canceled: true,
      cancel_reason: reason,
    });
  }

  private async cancel(id: number): Promise<void> {
    const active = this.watches.get(id);
    if (active === undefined) return;
    this.forget(id);
    active.watch.cancel();
    await this.writer.write({ ...this.emptyResponse(id), canceled: true });
  }

  private forget(id: number): void {
    this.watches.delete(id);
    this.context.streams.touched();
    if (this.round?.waiting.delete(id)) this.finishRoundIfDone();
  }

  /** Moves one watch's responses onto the call, in order, until it ends. */
  private async pump(id: number, active: ActiveWatch): Promise<void> {
    const isCurrent = () => !this.closed && this.watches.get(id) === active;
    try {
      for await (const response of active.watch) {
        if (!isCurrent()) return;
        if (response.kind === 'canceled') this.forget(id);
        if (response.kind === 'progress' && this.round?.waiting.has(id)) {
          this.confirmProgress(id, response.revision);
          continue;
        }
        await this.writer.write(this.encode(id, active, response));
      }
    } catch (error) {
      // The member stopped answering this watch (it is closing): tell the client the watch is gone.
      if (!isCurrent()) return;
      this.forget(id);
      active.watch.cancel();
      await this.writer.write({ ...this.emptyResponse(id), canceled: true, cancel_reason: toServiceError(error).details ?? '' });
    }
  }

  private encode(id: number, active: ActiveWatch, response: WatchResponse): wire.WatchResponse {
    const base = this.emptyResponse(id, response.revision);
    switch (response.kind) {
      case 'events':
        return { ...base, fragment: response.fragment, events: response.events.map((event) => encodeEvent(event, active.prevKv)) };
      case 'progress':
        return base;
      case 'canceled':
        return { ...base, canceled: true, compact_revision: String(response.compactRevision), cancel_reason: response.reason };
    }
  }

  private async requestProgress(): Promise<void> {
    if (this.round !== null) {
      this.round.requestedAgain = true;
      return;
    }
    if (this.watches.size === 0) {
      const status = await this.context.headers.refresh();
      await this.writer.write(this.emptyResponse(STREAM_WATCH_ID, status.revision));
      return;
    }
    this.round = { waiting: new Set(this.watches.keys()), lowestRevision: Number.POSITIVE_INFINITY, requestedAgain: false };
    for (const { watch } of this.watches.values()) watch.requestProgress();
  }

  private confirmProgress(id: number, revision: number): void {
    const round = this.round;
    if (round === null) return;
    round.waiting.delete(id);
    round.lowestRevision = Math.min(round.lowestRevision, revision);
    this.finishRoundIfDone();
  }

  private finishRoundIfDone(): void {
    const round = this.round;
    if (round === null || round.waiting.size > 0) return;
    this.round = null;
    const revision = Number.isFinite(round.lowestRevision) ? round.lowestRevision : undefined;
    void this.writer.write(this.emptyResponse(STREAM_WATCH_ID, revision)).then(() => {
      if (round.requestedAgain && !this.closed) return this.requestProgress();
    });
  }

  private emptyResponse(id: number, revision?: number): wire.WatchResponse {
    return {
      header: this.context.headers.header(revision),
      watch_id: String(id),
      created: false,
      canceled: false,
      compact_revision: '0',
      cancel_reason: '',
      fragment: false,
      events: [],
    };
  }
}

function encodeEvent(event: ChangeEvent, withPrevKv: boolean): wire.Event {
  const prevKv: KeyValue | null = withPrevKv ? event.prevKv : null;
  return {
    type: event.type === 'put' ? 'PUT' : 'DELETE',
    kv: encodeKeyValue(event.kv),
    prev_kv: prevKv === null ? null : encodeKeyValue(prevKv),
  };
}

/** The service: one WatchStream per call. */
export function watchService(context: ServiceContext) {
  const observe = context.metrics.observerFor('bidi_stream', 'etcdserverpb.Watch', 'Watch');
  return {
    Watch: (call: ServerDuplexStream<wire.WatchRequest, wire.WatchResponse>) => {
      const startedMs = performance.now();
      call.once('close', () => observe(call.cancelled ? status.CANCELLED : status.OK, startedMs));
      void new WatchStream(context, call).run();
    },
  };
}
