/**
 * Lease renewals over one shared LeaseKeepAlive stream, as etcd's clients
 * do: each `keepAlive(id)` writes one request and is answered by the next
 * response, since the server renews one request at a time, in order.
 *
 * The stream is opened on first use and opened again (on the next healthy
 * endpoint) after it breaks; a renewal caught in a break is retried, since
 * renewing twice is harmless (clientv3 marks LeaseKeepAlive repeatable).
 * A TTL of 0 in the answer is etcd's "no such lease", raised as the same
 * error the embedded handle raises.
 *
 * Never: let renewals pile up (bounded in flight), or wait for an answer
 * forever (each has a deadline; a missed one resets the stream, since the
 * in-order pairing can no longer be trusted).
 */
import type * as grpc from '@grpc/grpc-js';
import { ConclaveError } from '../embedded/errors.ts';
import { etcdMethods } from '../proto/load.ts';
import type * as wire from '../proto/load.ts';
import type { EndpointChannel } from './endpoint-pool.ts';
import { isCallFailure, isRetryable } from './retry-policy.ts';
import { isEndpointFailure, toConclaveError, type RpcCaller } from './rpc-caller.ts';
import { wireNumber } from './wire-codec.ts';

type KeepAliveCall = grpc.ClientDuplexStream<wire.LeaseKeepAliveRequest, wire.LeaseKeepAliveResponse>;

/** Renewals waiting for their answer on the stream at once. */
export const maxKeepAlivesInFlight = 1_024;

const leaseNotFound = () => new ConclaveError({ grpcCode: 5, message: 'etcdserver: requested lease not found' });

interface Waiter {
  readonly id: number;
  readonly resolve: (ttlSeconds: number) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

interface OpenStream {
  readonly call: KeepAliveCall;
  readonly channel: EndpointChannel;
  readonly waiters: Waiter[];
}

export class KeepAliveStream {
  private stream: OpenStream | null = null;

  constructor(
    private readonly caller: RpcCaller,
    private readonly answerTimeoutMs: number,
  ) {}

  async keepAlive(id: number): Promise<{ ttlSeconds: number }> {
    for (let attempt = 1; ; attempt += 1) {
      this.caller.assertOpen();
      const stream = this.stream ?? this.open();
      try {
        const ttlSeconds = await this.renewOnce(stream, id);
        if (ttlSeconds <= 0) throw leaseNotFound();
        return { ttlSeconds };
      } catch (error) {
        if (!isCallFailure(error)) throw error;
        if (isEndpointFailure(error)) this.caller.pool.markDown(stream.channel);
        if (attempt >= this.caller.backoffAttempts || !isRetryable('repeatable', error)) throw toConclaveError(error, this.caller.pool.secure);
        await this.caller.pause(attempt);
      }
    }
  }

  close(): void {
    this.reset({ code: 1, details: 'conclave client: closed' });
  }

  private renewOnce(stream: OpenStream, id: number): Promise<number> {
    if (stream.waiters.length >= maxKeepAlivesInFlight) {
      return Promise.reject(new ConclaveError({ grpcCode: 8, message: `conclave client: more than ${maxKeepAlivesInFlight} lease keep-alives in flight` }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.reset({ code: 4, details: `conclave client: no keep-alive answer within ${this.answerTimeoutMs} ms` }, stream),
        this.answerTimeoutMs,
      );
      stream.waiters.push({ id, resolve, reject, timer });
      stream.call.write({ ID: id });
    });
  }

  private open(): OpenStream {
    const channel = this.caller.pool.pick();
    const call: KeepAliveCall = channel.client.makeBidiStreamRequest(
      etcdMethods.leaseKeepAlive.path,
      etcdMethods.leaseKeepAlive.requestSerialize,
      etcdMethods.leaseKeepAlive.responseDeserialize,
    );
    const stream: OpenStream = { call, channel, waiters: [] };
    call.on('data', (response: wire.LeaseKeepAliveResponse) => this.answer(stream, response));
    call.on('error', (error: grpc.ServiceError) => this.reset({ code: error.code, details: error.details }, stream));
    call.on('end', () => this.reset({ code: 14, details: 'conclave client: the server ended the keep-alive stream' }, stream));
    this.stream = stream;
    return stream;
  }

  private answer(stream: OpenStream, response: wire.LeaseKeepAliveResponse): void {
    const waiter = stream.waiters.shift();
    if (waiter === undefined) return; // an answer to a renewal already failed by its deadline
    clearTimeout(waiter.timer);
    const id = wireNumber(response.ID, 'ID');
    if (id !== waiter.id) {
      waiter.reject(new Error(`keep-alive answered lease ${id} where ${waiter.id} was expected`));
      return;
    }
    waiter.resolve(wireNumber(response.TTL, 'TTL'));
  }

  /** Ends `stream` (the current one by default), failing every renewal still waiting on it. */
  private reset(failure: { code: number; details: string }, stream: OpenStream | null = this.stream): void {
    if (stream === null) return;
    if (this.stream === stream) this.stream = null;
    const waiters = stream.waiters.splice(0);
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject({ ...failure });
    }
    stream.call.removeAllListeners('data');
    stream.call.on('error', () => {}); // the cancel below reports CANCELLED; nobody is waiting for it
    stream.call.cancel();
  }
}
