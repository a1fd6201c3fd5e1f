/**
 * The consumer end of a ring link: a read loop that, per wake-up, drains the
 * published frames (at most batchFramesMax, then it yields to the event loop
 * with setImmediate), decodes each from the reader's private copy of the
 * ring's bytes, releases the frame's bytes to the writer, then calls onMessage. With nothing left it raises its
 * "asleep" flag and sleeps on Atomics.waitAsync; the sender notifies only
 * when that flag is up.
 *
 * Errors never leave the loop:
 * - onMessage throwing → onError(MessageHandlerError), the loop goes on;
 * - a frame whose bytes are not one msgpack value, or fragments out of order
 *   → onError(CorruptFrameError, linkBroken false), the frame is skipped and
 *   the loop goes on (frame boundaries are intact);
 * - a header that cannot be the next frame (wrong sequence number, impossible
 *   length) → onError(CorruptFrameError, linkBroken true): frame boundaries
 *   are lost, so resync is impossible; the link is marked broken, the loop
 *   ends, and the sender's sends reject with RingClosedError('link-broken').
 * The thread itself is never taken down.
 *
 * pause() stops the loop after the message being delivered (the consumer
 * has nowhere to put the next one); frames then stay in the ring, so the
 * sender fills it and waits for space: backpressure across threads without
 * dropping anything. resume() picks up where it stopped.
 *
 * With nothing to read the loop sleeps at once, without spinning first, and
 * a wake-up runs the drain straight from the waitAsync promise (no
 * setImmediate in between). A spin was tried (an experimental option, not
 * kept): polling through the event loop for 50 µs after the last frame
 * lowered 64 B flat-out throughput (230–363k vs 279–647k msgs/s, process CPU
 * 1.8–3.0 vs 1.5–1.8 µs/msg, alternating runs) because on a shared 2-core
 * machine the spinning reader takes CPU from the writer; and it cannot help a
 * link idle for 1 ms unless it spins the whole millisecond (measured: ~1.1
 * ms of CPU per message, and a worse p99 on this shared machine). The idle
 * wake-up tail is the scheduler's: bench/ring's futex row (a thread blocked
 * in a synchronous Atomics.wait, no event loop at all) shows p99 76–1,170 µs
 * over eight runs in which this loop shows 151–2,795 µs and MessagePort
 * 144–2,204 µs.
 *
 * When the sender closes, the loop drains what was written, calls onEnd and
 * ends. While running it holds a ref'ed timer so the thread waits for frames
 * (a pending Atomics.waitAsync alone does not keep a Node thread alive);
 * stop(), the end, or a broken link release it.
 */

import { MessageDecoder } from './codec.ts';
import type { Doorbell, WakeOutcome } from './doorbell.ts';
import { CorruptFrameError, MessageHandlerError, RingClosedError, RingConfigError } from './errors.ts';
import { FragmentAssembler } from './fragment-assembler.ts';
import { FrameKind, headerKind } from './frame.ts';
import { FrameReader } from './frame-reader.ts';
import { RingStateBit, claimEnd, dataDoorbell, openRing, ringState, setRingState, type RingView } from './layout.ts';

export interface RingReceiverOptions {
  /** Frames handled per turn before yielding to the event loop. Default 256. */
  batchFramesMax?: number;
  /**
   * Drain-then-check rounds in one turn while frames keep arriving during the
   * sleep check (each round takes at most batchFramesMax). Default 64; 1 makes
   * batchFramesMax the bound on frames per turn.
   */
  roundsPerTurnMax?: number;
  /** Hold the thread alive while the loop runs. Default true. */
  keepAlive?: boolean;
}

const DEFAULT_BATCH_FRAMES_MAX = 256;
const DEFAULT_ROUNDS_PER_TURN_MAX = 64;
const KEEP_ALIVE_INTERVAL_MS = 2 ** 30;
const UNDECODABLE: unique symbol = Symbol('undecodable');

type LoopState = 'idle' | 'running' | 'finished';

export class RingReceiver {
  readonly #view: RingView;
  readonly #reader: FrameReader;
  readonly #decoder = new MessageDecoder();
  readonly #dataBell: Doorbell;
  readonly #assembler: FragmentAssembler;
  readonly #batchFramesMax: number;
  readonly #roundsPerTurnMax: number;
  readonly #keepAliveWanted: boolean;
  #loop: LoopState = 'idle';
  #paused = false;
  #framesReceived = 0;
  #messagesReceived = 0;
  #onMessage: (message: unknown) => void = noop;
  #onError: (error: Error) => void = noop;
  #onEnd: () => void = noop;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;

  constructor(ring: SharedArrayBuffer, options: RingReceiverOptions = {}) {
    const batchFramesMax = options.batchFramesMax ?? DEFAULT_BATCH_FRAMES_MAX;
    if (!Number.isInteger(batchFramesMax) || batchFramesMax < 1) {
      throw new RingConfigError(`batchFramesMax must be a positive integer, got ${batchFramesMax}`);
    }
    const roundsPerTurnMax = options.roundsPerTurnMax ?? DEFAULT_ROUNDS_PER_TURN_MAX;
    if (!Number.isInteger(roundsPerTurnMax) || roundsPerTurnMax < 1) {
      throw new RingConfigError(`roundsPerTurnMax must be a positive integer, got ${roundsPerTurnMax}`);
    }
    this.#roundsPerTurnMax = roundsPerTurnMax;
    this.#view = openRing(ring);
    claimEnd(this.#view, 'receiver');
    this.#reader = new FrameReader(this.#view);
    this.#dataBell = dataDoorbell(this.#view);
    this.#assembler = new FragmentAssembler(this.#view.maxMessageBytes, (error) => this.#report(error));
    this.#batchFramesMax = batchFramesMax;
    this.#keepAliveWanted = options.keepAlive ?? true;
  }

  /** Frames taken from the ring (whole messages and fragments, skipped corrupt ones included). */
  get framesReceived(): number {
    return this.#framesReceived;
  }

  /** Messages handed to onMessage. */
  get messagesReceived(): number {
    return this.#messagesReceived;
  }

  /** Sleeps that ended by their time limit with frames waiting: the sender's ring never came (should stay 0). */
  get missedWakeups(): number {
    return this.#dataBell.missedRings;
  }

  get running(): boolean {
    return this.#loop === 'running';
  }

  start(onMessage: (message: unknown) => void, onError: (error: Error) => void, onEnd: () => void = noop): void {
    if (this.#loop === 'finished') throw new RingClosedError('receiver-stopped');
    if (this.#loop === 'running') throw new RingConfigError('start() was already called on this receiver');
    this.#onMessage = onMessage;
    this.#onError = onError;
    this.#onEnd = onEnd;
    this.#loop = 'running';
    if (this.#keepAliveWanted) this.#keepAlive = setInterval(noop, KEEP_ALIVE_INTERVAL_MS);
    this.#immediate = setImmediate(this.#run);
  }

  /** Stops taking frames after the current one until resume(). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#loop === 'running' && this.#immediate === undefined) this.#immediate = setImmediate(this.#run);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Ends the loop; pending sends on the other end reject with RingClosedError('receiver-stopped'). Leaves no handle open. */
  stop(): void {
    if (this.#loop === 'finished') return;
    setRingState(this.#view, RingStateBit.receiverStopped);
    this.#finish();
    this.#reader.wakeWriter();
    this.#dataBell.wakeUnconditionally();
  }

  #wake = (outcome: WakeOutcome): void => {
    this.#dataBell.noteWake(outcome);
    this.#run();
  };

  #run = (): void => {
    this.#immediate = undefined;
    for (let round = 0; round < this.#roundsPerTurnMax; round++) {
      if (this.#loop !== 'running' || this.#paused) return;
      if (this.#drainBatch() === this.#batchFramesMax) {
        this.#immediate = setImmediate(this.#run);
        return;
      }
      if (this.#loop !== 'running' || this.#paused) return;
      if ((ringState(this.#view) & RingStateBit.senderClosed) !== 0 && !this.#reader.hasFrame()) {
        this.#finish();
        this.#onEnd();
        return;
      }
      const sleep = this.#dataBell.sleepUnlessMoved(this.#reader.seenWritePosition);
      if (sleep !== null) {
        void sleep.then(this.#wake);
        return;
      }
    }
    this.#immediate = setImmediate(this.#run);
  };

  /** Handles up to batchFramesMax frames; returns how many it took. */
  #drainBatch(): number {
    const frames = this.#drainFrames();
    this.#reader.publish();
    return frames;
  }

  #drainFrames(): number {
    const reader = this.#reader;
    let frames = 0;
    while (frames < this.#batchFramesMax && reader.hasFrame()) {
      let header: number;
      try {
        header = reader.nextHeader();
      } catch (error) {
        this.#breakLink(error as CorruptFrameError);
        return frames;
      }
      frames++;
      this.#framesReceived++;
      const kind = headerKind(header);
      if (kind === FrameKind.whole) {
        this.#assembler.interruptIfInProgress(reader.position);
        const message = this.#decode(reader.payloadSource, reader.payloadStart, reader.payloadEnd, reader.position);
        reader.release();
        if (message !== UNDECODABLE) this.#deliver(message);
      } else {
        const position = reader.position;
        const rebuilt = this.#assembler.add(kind, reader);
        reader.release();
        if (rebuilt !== null) {
          const message = this.#decode(rebuilt, 0, rebuilt.length, position);
          if (message !== UNDECODABLE) this.#deliver(message);
        }
      }
      if (this.#loop !== 'running' || this.#paused) return frames;
    }
    return frames;
  }

  #decode(bytes: Uint8Array, start: number, end: number, ringPosition: number): unknown {
    try {
      return this.#decoder.decode(bytes, start, end);
    } catch (cause) {
      this.#report(new CorruptFrameError('bad-msgpack', ringPosition >>> 0, false, String(cause), { cause }));
      return UNDECODABLE;
    }
  }

  #deliver(message: unknown): void {
    this.#messagesReceived++;
    try {
      this.#onMessage(message);
    } catch (cause) {
      this.#report(new MessageHandlerError(cause));
    }
  }

  #breakLink(error: CorruptFrameError): void {
    setRingState(this.#view, RingStateBit.linkBroken);
    this.#finish();
    this.#reader.wakeWriter();
    this.#report(error);
  }

  #report(error: Error): void {
    try {
      this.#onError(error);
    } catch (thrown) {
      process.emitWarning(`ring receiver: onError threw while reporting "${error.message}": ${String(thrown)}`, 'RingReceiverWarning');
    }
  }

  #finish(): void {
    this.#loop = 'finished';
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#keepAlive = undefined;
    this.#immediate = undefined;
  }
}

function noop(): void {}
