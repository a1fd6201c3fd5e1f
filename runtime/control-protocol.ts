/**
 * The contract between the ActorSystem (main thread) and each worker thread,
 * off the hot path: what a worker boots with (workerData) and the control API
 * it exposes through comlink on its own MessageChannel. Results carry typed
 * errors as wire data (comlink would flatten a thrown error to a plain Error).
 */
import type { MessagePort } from 'node:worker_threads';
import type { StopOutcome } from './actor-cell.ts';
import type { DirectoryChange } from './directory.ts';
import type { WireError } from './errors.ts';
import type { ActorCounters, CloseOutcome, LinkCounters, ThreadLimits } from './thread-runtime.ts';

/** How to build an actor on any thread: behaviours travel as (module URL, export name), args as msgpackr bytes. */
export interface ActorSpec {
  readonly name: string;
  readonly module: string;
  readonly export: string;
  readonly args: Uint8Array;
}

export interface PeerRings {
  readonly peer: number;
  /** This thread writes, the peer reads. */
  readonly outbound: SharedArrayBuffer;
  /** The peer writes, this thread reads. */
  readonly inbound: SharedArrayBuffer;
}

export interface WorkerBoot {
  readonly threadIndex: number;
  readonly limits: ThreadLimits;
  readonly peers: readonly PeerRings[];
  readonly directory: readonly DirectoryChange[];
  /** Actors this (replacement) thread takes over, registered suspended until the supervisor restarts them. */
  readonly adopt: readonly ActorSpec[];
  /** The thread's nice value (ActorSystemOptions.workerNice). */
  readonly nice: number;
  readonly controlPort: MessagePort;
}

export type ControlResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export interface ThreadCounters {
  readonly actors: readonly ActorCounters[];
  readonly links: readonly LinkCounters[];
}

export interface WorkerControlApi {
  spawn(spec: ActorSpec): Promise<ControlResult<null>>;
  /** Restarts a suspended actor (after a crash or on a replacement thread). */
  restart(name: string): Promise<ControlResult<null>>;
  /** Restarts a running actor on request: fresh behaviour and state, mailbox kept. */
  restartNow(name: string): Promise<ControlResult<null>>;
  stop(name: string): StopOutcome;
  applyDirectory(changes: readonly DirectoryChange[]): void;
  attachPeer(rings: PeerRings): void;
  /** Returns how many asks were rejected with ThreadDiedError. */
  peerDown(peer: number): number;
  counters(): ThreadCounters;
  close(): CloseOutcome;
}
