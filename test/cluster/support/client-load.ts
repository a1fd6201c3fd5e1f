/**
 * Concurrent clients driving a real cluster while faults happen, recording
 * a history for the linearizability checker (test/sim/linearizability):
 * puts of unique values, compare-and-swap txns and linearizable gets on a
 * small key space, each client on its own member so writes reach followers
 * too, moving to the next member after any error.
 *
 * Outcomes are recorded as honestly as the client can know them: a call that
 * was never sent (no connection to the member) is left out; any other error
 * (timeout, "leader changed", reset mid-call) leaves the outcome unknown and
 * is recorded as pending forever, which the checker may place anywhere after
 * its call. It must never record a response it did not receive.
 */
import * as grpc from '@grpc/grpc-js';
import { seededRandom } from '../../../actors/common/seeded-random.ts';
import type { KvInput, KvOperation, KvOutput } from '../../sim/linearizability/index.ts';
import type { MemberClient } from './member-client.ts';
import { MemberClientPool } from './member-client.ts';

export interface LoadOptions {
  /** The members' client endpoints (host:port) at the moment of asking: membership may change under load. */
  readonly endpoints: () => readonly string[];
  readonly clients: number;
  readonly keyCount: number;
  /** Deadline of every call; past it the outcome is unknown. */
  readonly opTimeoutMs: number;
  /** Replays the same choice of operations (not their timing). */
  readonly seed: number;
  readonly keyPrefix: string;
}

/** A write the cluster acknowledged: `value` was stored at `key` at `revision`. */
export interface AcknowledgedWrite {
  readonly key: string;
  readonly value: string;
  readonly revision: bigint;
}

export interface LoadCounts {
  acknowledged: number;
  /** Errors that leave the outcome unknown. */
  indeterminate: number;
  /** Calls refused before being sent (no connection): left out of the history. */
  neverSent: number;
}

export interface LoadResult {
  readonly operations: readonly KvOperation[];
  readonly acknowledgedWrites: readonly AcknowledgedWrite[];
  readonly counts: Readonly<LoadCounts>;
}

/** Past this many recorded operations a client stops issuing (keeps the checker's work bounded). */
const maxOperationsPerClient = 4_000;
/** Pause after a call that could not be sent (member down), so a client does not spin while nothing is reachable. */
const neverSentBackoffMs = 50;
/** How long stop() waits for in-flight calls (they are bounded by opTimeoutMs anyway). */
const stopMarginMs = 1_000;

type Outcome = { kind: 'ok'; output: KvOutput; written: AcknowledgedWrite | null } | { kind: 'unknown' } | { kind: 'never-sent' };

export class ClientLoad {
  readonly #options: LoadOptions;
  readonly #pool = new MemberClientPool();
  readonly #operations: KvOperation[] = [];
  readonly #acknowledgedWrites: AcknowledgedWrite[] = [];
  readonly #counts: LoadCounts = { acknowledged: 0, indeterminate: 0, neverSent: 0 };
  readonly #progressWaiters: { target: number; wake: () => void }[] = [];
  readonly #loops: Promise<void>[] = [];
  #stopped = false;
  #result: Promise<LoadResult> | null = null;

  private constructor(options: LoadOptions) {
    if (options.clients < 1 || options.keyCount < 1 || !(options.opTimeoutMs > 0)) throw new RangeError('clients, keyCount and opTimeoutMs must be positive');
    this.#options = options;
  }

  static start(options: LoadOptions): ClientLoad {
    const load = new ClientLoad(options);
    for (let client = 0; client < options.clients; client++) load.#loops.push(load.#runClient(client));
    return load;
  }

  get counts(): Readonly<LoadCounts> {
    return { ...this.#counts };
  }

  /**
   * Resolves once `count` more operations have been acknowledged than now —
   * the event "the cluster serves clients (again)". Rejects after `timeoutMs`.
   */
  async progress(count: number, timeoutMs: number): Promise<void> {
    const target = this.#counts.acknowledged + count;
    let timer: NodeJS.Timeout | undefined;
    let waiter: { target: number; wake: () => void } | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { target, wake: resolve };
        this.#progressWaiters.push(waiter);
        timer = setTimeout(
          () => reject(new Error(`clients got ${count} acknowledgements fewer than expected within ${timeoutMs} ms (${JSON.stringify(this.#counts)})`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      const index = waiter === undefined ? -1 : this.#progressWaiters.indexOf(waiter);
      if (index >= 0) this.#progressWaiters.splice(index, 1);
    }
  }

  /** Stops issuing, waits for calls in flight (bounded), closes the connections. Idempotent. */
  stop(): Promise<LoadResult> {
    this.#result ??= this.#stop();
    return this.#result;
  }

  async #stop(): Promise<LoadResult> {
    this.#stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#loops),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.#options.opTimeoutMs + stopMarginMs);
      }),
    ]);
    clearTimeout(timer);
    this.#pool.closeAll();
    return { operations: [...this.#operations], acknowledgedWrites: [...this.#acknowledgedWrites], counts: this.counts };
  }

  async #runClient(client: number): Promise<void> {
    const random = seededRandom(this.#options.seed * 1_000 + client);
    let endpointTurn = client;
    /** The value this client last saw per key: what its next CAS expects. */
    const lastSeen = new Map<string, string | null>();
    /**
     * After an unknown outcome the client only reads until something succeeds:
     * each pending write multiplies the checker's search, so an outage adds at
     * most one per client instead of one per timeout.
     */
    let readOnly = false;
    for (let sequence = 0; !this.#stopped && sequence < maxOperationsPerClient; sequence++) {
      const endpoints = this.#options.endpoints();
      if (endpoints.length === 0) throw new Error('client load: the cluster has no endpoints');
      const endpoint = endpoints[endpointTurn % endpoints.length] ?? endpoints[0]!;
      const key = `${this.#options.keyPrefix}${Math.floor(random() * this.#options.keyCount)}`;
      const value = `c${client}-${sequence}`;
      const input = chooseInput(readOnly ? 1 : random(), key, value, lastSeen.get(key) ?? null);
      const callAt = performance.now();
      const outcome = await perform(this.#pool.get(endpoint), input, this.#options.opTimeoutMs);
      const returnAt = performance.now();
      if (outcome.kind === 'never-sent') {
        this.#counts.neverSent++;
        endpointTurn++;
        await new Promise((resolve) => setTimeout(resolve, neverSentBackoffMs));
        continue;
      }
      if (outcome.kind === 'unknown') {
        this.#counts.indeterminate++;
        this.#operations.push({ client, input, callAt, response: null });
        endpointTurn++;
        readOnly = true;
        continue;
      }
      readOnly = false;
      this.#operations.push({ client, input, callAt, response: { output: outcome.output, returnAt } });
      if (outcome.written !== null) this.#acknowledgedWrites.push(outcome.written);
      rememberSeen(lastSeen, input, outcome.output);
      this.#acknowledge();
    }
  }

  #acknowledge(): void {
    this.#counts.acknowledged++;
    for (const waiter of [...this.#progressWaiters]) {
      if (this.#counts.acknowledged >= waiter.target) waiter.wake();
    }
  }
}

/** 40% put, 20% compare-and-swap, 40% linearizable get (a draw of 1 always reads). */
function chooseInput(draw: number, key: string, value: string, expected: string | null): KvInput {
  if (draw < 0.4) return { kind: 'put', key, value };
  if (draw < 0.6) return { kind: 'cas', key, expected, value };
  return { kind: 'get', key };
}

function rememberSeen(lastSeen: Map<string, string | null>, input: KvInput, output: KvOutput): void {
  if (output.kind === 'get') lastSeen.set(input.key, output.value);
  else if (input.kind === 'put' || (input.kind === 'cas' && output.kind === 'cas' && output.ok)) lastSeen.set(input.key, input.value);
}

async function perform(client: MemberClient, input: KvInput, timeoutMs: number): Promise<Outcome> {
  try {
    switch (input.kind) {
      case 'put': {
        const response = await client.put(input.key, input.value, timeoutMs);
        return { kind: 'ok', output: { kind: 'put' }, written: written(input.key, input.value, response.header?.revision) };
      }
      case 'cas': {
        const key = Buffer.from(input.key);
        const response = await client.txn(
          {
            // etcd's idiom: create_revision 0 means "absent".
            compare: [input.expected === null ? { key, target: 'CREATE', result: 'EQUAL', create_revision: 0 } : { key, target: 'VALUE', result: 'EQUAL', value: Buffer.from(input.expected) }],
            success: [{ request_put: { key, value: Buffer.from(input.value) } }],
          },
          timeoutMs,
        );
        const revision = response.succeeded ? response.header?.revision : undefined;
        return { kind: 'ok', output: { kind: 'cas', ok: response.succeeded }, written: response.succeeded ? written(input.key, input.value, revision) : null };
      }
      case 'get': {
        const response = await client.range({ key: Buffer.from(input.key) }, timeoutMs);
        const found = response.kvs[0];
        return { kind: 'ok', output: { kind: 'get', value: found === undefined ? null : found.value.toString('utf8') }, written: null };
      }
    }
  } catch (error) {
    return neverSent(error) ? { kind: 'never-sent' } : { kind: 'unknown' };
  }
}

function written(key: string, value: string, revision: string | undefined): AcknowledgedWrite {
  if (revision === undefined) throw new Error(`an acknowledged write of ${key} carried no header revision`);
  return { key, value, revision: BigInt(revision) };
}

/** grpc-js fails a call it could not send (no connection to pick) with this text; the server never saw it. */
function neverSent(error: unknown): boolean {
  const status = error as Partial<grpc.ServiceError>;
  return status.code === grpc.status.UNAVAILABLE && typeof status.details === 'string' && status.details.startsWith('No connection established');
}
