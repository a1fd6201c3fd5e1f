/**
 * The contract between the runner and a workload. The runner owns the clock,
 * the client loops, the stop condition, the rate and the main latency
 * histogram; a workload only knows how to prepare the server, perform one
 * operation for one client, and settle what its operations still owe (such as
 * watch events in flight). A workload must never loop on its own without a
 * bound: everything it waits for has a deadline.
 */
import type { EtcdConnection } from './connection.ts';
import type { LatencyHistogram } from './histogram.ts';
import type { BenchOptions, StopCondition } from './options.ts';

/** The part of a benchmark run by one thread (the whole run when --workers is 0). */
export interface ShareSpec {
  index: number;
  count: number;
  clients: number;
  conns: number;
  /** Global index of this share's first connection, to spread connections over endpoints. */
  connOffset: number;
  stop: StopCondition;
  rateOpsPerSec: number;
  watchers: number;
  watchStreams: number;
  /** Exactly one share seeds the keys that reads expect to find. */
  seeds: boolean;
}

export interface WorkloadContext {
  readonly options: BenchOptions;
  readonly share: ShareSpec;
  /** The connection client `client` sends on. */
  connFor(client: number): EtcdConnection;
  readonly conns: readonly EtcdConnection[];
  /** A latency histogram reported beside the main one, created on first use. */
  histogram(name: string): LatencyHistogram;
  count(counter: string, by?: number): void;
  /** Records failures found outside an operation (e.g. events never delivered). */
  fail(message: string, count?: number): void;
}

export interface Workload {
  /** Before the clock starts: seed keys, open watchers, grant leases. */
  setup(): Promise<void>;
  /** One operation for `client`; resolves when it completed, rejects on failure. */
  op(client: number): Promise<void>;
  /** After the last operation: settle what is still owed, within a bounded time. */
  drain(): Promise<void>;
  /** Releases streams; never throws. */
  close(): void;
}

export type WorkloadFactory = (ctx: WorkloadContext) => Workload;
