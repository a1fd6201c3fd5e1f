/**
 * A watch over etcd's Watch stream with the embedded `Watch`'s shape: `id`,
 * `createdRevision`, `requestProgress()`, `cancel()` and an async iterator
 * of the same WatchResponse values.
 *
 * Each watch has a stream of its own, so one slow consumer holds back only
 * its own HTTP/2 stream: gRPC flow control stops the server writing once the
 * stream's small read buffer is full, and nothing grows without bound here.
 *
 * Resuming: when the stream breaks (the member died, the connection
 * dropped, the server said UNAVAILABLE), the watch is created again on the
 * next healthy endpoint from the revision after the last one delivered: the
 * last event's mod revision + 1, or a progress notification's revision + 1
 * (every event up to it was delivered). So no event is lost or repeated,
 * except that a reconnect in the middle of a fragmented response replays
 * that response's revision from its start. Reconnects in a row are bounded;
 * past the bound the iterator throws UNAVAILABLE.
 *
 * Never: yield anything after a `canceled` response, or keep a stream open
 * after cancel() or the end of iteration.
 */
import type * as grpc from '@grpc/grpc-js';
import type { WatchRequest, WatchResponse } from '../../actors/watch-hub/index.ts';
import { ConclaveError } from '../embedded/errors.ts';
import { etcdMethods } from '../proto/load.ts';
import type * as wire from '../proto/load.ts';
import type { EndpointChannel } from './endpoint-pool.ts';
import { isCallFailure, isRetryable } from './retry-policy.ts';
import { isEndpointFailure, toConclaveError, type RpcCaller } from './rpc-caller.ts';
import { decodeEvent, headerRevision, wireNumber } from './wire-codec.ts';

type WatchCall = grpc.ClientDuplexStream<wire.WatchRequest, wire.WatchResponse>;

/** etcd's watch_id for responses that belong to the stream, not one watch (progress replies). */
const STREAM_WATCH_ID = -1;
const wireFilters = { noput: 'NOPUT', nodelete: 'NODELETE' } as const;

interface OpenedStream {
  readonly call: WatchCall;
  readonly messages: AsyncIterator<wire.WatchResponse>;
  readonly channel: EndpointChannel;
  readonly created: wire.WatchResponse;
}

export class RemoteWatch implements AsyncIterable<WatchResponse> {
  private cancelled = false;
  private iterated = false;
  /** The first revision not yet delivered to the consumer: where a new stream starts. */
  private resumeRevision: number;
  /** Inside a fragmented response: the position only moves once its last fragment is delivered. */
  private inFragment = false;
  private streamsReopened = 0;

  private constructor(
    private readonly caller: RpcCaller,
    private readonly request: WatchRequest,
    private stream: OpenedStream,
    private readonly onCancel: (watch: RemoteWatch) => void,
    /** The watch's ID on its first stream (later streams may number it differently; this one is kept). */
    readonly id: number,
    /** The store's revision when the watch was created. */
    readonly createdRevision: number,
  ) {
    const start = request.startRevision ?? 0;
    this.resumeRevision = start > 0 ? start : createdRevision + 1;
  }

  /** `onCancel` runs once, when the watch ends for whatever reason. */
  static async create(caller: RpcCaller, request: WatchRequest, onCancel: (watch: RemoteWatch) => void): Promise<RemoteWatch> {
    const stream = await openStream(caller, request, request.startRevision ?? 0);
    const createdRevision = headerRevision(stream.created.header);
    return new RemoteWatch(caller, request, stream, onCancel, wireNumber(stream.created.watch_id, 'watch_id'), createdRevision);
  }

  /** How many times the watch moved to a new stream after one broke (observability: a member died or a connection dropped). */
  get reconnects(): number {
    return this.streamsReopened;
  }

  /** Asks for a progress notification: the revision up to which every event was delivered. */
  requestProgress(): void {
    if (!this.cancelled) this.stream.call.write({ progress_request: {} });
  }

  /** Ends the watch; a pending iteration finishes. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stream.call.cancel();
    this.onCancel(this);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    if (this.iterated) throw new Error('a watch can be iterated once; create another watch for a second consumer');
    this.iterated = true;
    try {
      for (let failures = 0; !this.cancelled; ) {
        try {
          for (let next = await this.stream.messages.next(); !next.done; next = await this.stream.messages.next()) {
            const response = this.translate(next.value);
            if (response === null) continue;
            failures = 0;
            yield response;
            if (response.kind === 'canceled') return;
          }
        } catch (error) {
          if (this.cancelled) return;
          if (!isCallFailure(error)) throw error;
          if (!isRetryable('repeatable', error)) throw toConclaveError(error, this.caller.pool.secure);
          if (isEndpointFailure(error)) this.caller.pool.markDown(this.stream.channel);
        }
        if (this.cancelled) return;
        failures += 1;
        this.stream = await this.reopen(failures);
      }
    } finally {
      this.cancel();
    }
  }

  /** A new stream from where the consumer is; the old one is already over. */
  private async reopen(failures: number): Promise<OpenedStream> {
    if (failures >= this.caller.backoffAttempts) {
      throw new ConclaveError({ grpcCode: 14, message: `conclave client: watch stream lost ${failures} times in a row; giving up` });
    }
    await this.caller.pause(failures);
    const stream = await openStream(this.caller, this.request, this.resumeRevision);
    this.streamsReopened += 1;
    if (this.cancelled) stream.call.cancel();
    return stream;
  }

  /** The embedded shape of one wire response, or null for one that means nothing to the consumer. */
  private translate(message: wire.WatchResponse): WatchResponse | null {
    const watchId = wireNumber(message.watch_id, 'watch_id');
    const revision = message.header === null ? 0 : headerRevision(message.header);
    if (message.canceled) {
      return {
        kind: 'canceled',
        watchId: this.id,
        revision,
        compactRevision: wireNumber(message.compact_revision, 'compact_revision'),
        reason: message.cancel_reason,
      };
    }
    // A resumed stream's own "created" answer: the consumer saw its watch created long ago.
    if (message.created) return null;
    if (message.events.length > 0) {
      const events = message.events.map(decodeEvent);
      this.inFragment = message.fragment;
      if (!message.fragment) this.resumeRevision = Math.max(this.resumeRevision, events[events.length - 1]!.kv.modRevision + 1);
      return { kind: 'events', watchId: this.id, revision, events, fragment: message.fragment };
    }
    if (watchId !== STREAM_WATCH_ID && watchId !== this.streamWatchId()) return null;
    if (!this.inFragment) this.resumeRevision = Math.max(this.resumeRevision, revision + 1);
    return { kind: 'progress', watchId: this.id, revision };
  }

  private streamWatchId(): number {
    return wireNumber(this.stream.created.watch_id, 'watch_id');
  }
}

function createRequest(request: WatchRequest, startRevision: number): wire.WatchRequest {
  return {
    create_request: {
      key: request.key,
      range_end: request.rangeEnd ?? new Uint8Array(0),
      start_revision: startRevision,
      progress_notify: request.progressNotify ?? false,
      filters: (request.filters ?? []).map((filter) => wireFilters[filter]),
      prev_kv: request.prevKv ?? false,
      fragment: request.fragment ?? false,
    },
  };
}

/** Opens a stream and creates the watch on it, moving to the next endpoint while the failure allows it. */
async function openStream(caller: RpcCaller, request: WatchRequest, startRevision: number): Promise<OpenedStream> {
  for (let attempt = 1; ; attempt += 1) {
    caller.assertOpen();
    const channel = caller.pool.pick();
    const call: WatchCall = channel.client.makeBidiStreamRequest(
      etcdMethods.watch.path,
      etcdMethods.watch.requestSerialize,
      etcdMethods.watch.responseDeserialize,
    );
    const messages = (call as AsyncIterable<wire.WatchResponse>)[Symbol.asyncIterator]();
    try {
      call.write(createRequest(request, startRevision));
      const first = await messages.next();
      if (first.done) throw new ConclaveError({ grpcCode: 14, message: 'conclave client: the watch stream ended before the watch was created' });
      const created = first.value;
      if (created.canceled) throw new ConclaveError({ grpcCode: 3, message: created.cancel_reason });
      caller.pool.markUp(channel);
      return { call, messages, channel, created };
    } catch (error) {
      call.cancel();
      if (!isCallFailure(error) || error instanceof ConclaveError) throw error;
      if (isEndpointFailure(error)) caller.pool.markDown(channel);
      if (attempt >= caller.backoffAttempts || !isRetryable('repeatable', error)) throw toConclaveError(error, caller.pool.secure);
      await caller.pause(attempt);
    }
  }
}
