/**
 * What the ActorSystem tells its user about supervision and delivery: crashes,
 * restarts, escalations, refused fire-and-forget messages, dead threads. A
 * listener that throws does not break the system; it becomes a process
 * warning, so a bug in a logger cannot stop supervision.
 */
import type { RuntimeError } from './errors.ts';

export type SystemEvent =
  /** A behaviour threw (or its factory failed on restart); the supervisor decides next. */
  | { readonly type: 'actor-failed'; readonly actor: string; readonly thread: number; readonly error: RuntimeError<object> }
  | {
      readonly type: 'actor-restarted';
      readonly actor: string;
      readonly thread: number;
      readonly reason: 'crash' | 'thread-died' | 'requested';
      /** 1-based restart count within the current budget window (0 for a requested restart). */
      readonly attempt: number;
      readonly delayMs: number;
    }
  /** Past the restart budget: the actor is stopped and reported here. */
  | {
      readonly type: 'actor-escalated';
      readonly actor: string;
      readonly thread: number;
      readonly restartsInWindow: number;
      readonly error: RuntimeError<object>;
    }
  | {
      readonly type: 'actor-stopped';
      readonly actor: string;
      readonly thread: number;
      readonly reason: 'requested' | 'escalated';
      readonly discardedMessages: number;
      readonly rejectedAsks: number;
    }
  /** A fire-and-forget message was refused (unknown type, stopped target, full mailbox): nobody else would hear of it. */
  | { readonly type: 'message-rejected'; readonly actor: string; readonly thread: number; readonly error: RuntimeError<object> }
  /** A hook registered with ctx.onStop() threw; the actor ended anyway (the hooks after it still ran). */
  | { readonly type: 'stop-hook-failed'; readonly actor: string; readonly thread: number; readonly error: RuntimeError<object> }
  | { readonly type: 'thread-died'; readonly thread: number; readonly reason: string; readonly actors: readonly string[] }
  | { readonly type: 'thread-replaced'; readonly thread: number; readonly incarnation: number }
  /** A replacement thread could not start: its actors are escalated. */
  | { readonly type: 'thread-lost'; readonly thread: number; readonly reason: string }
  | { readonly type: 'link-error'; readonly thread: number; readonly peer: number; readonly message: string };

export type SystemEventListener = (event: SystemEvent) => void;

export class SystemEvents {
  readonly #listeners = new Set<SystemEventListener>();

  /** Returns the function that removes the listener. */
  on(listener: SystemEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: SystemEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`an ActorSystem event listener threw on ${event.type}: ${String(error)}`);
      }
    }
  }
}
