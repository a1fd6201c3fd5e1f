/**
 * Writes to a server stream with backpressure: when grpc-js's buffer for
 * the call is full, writers wait for 'drain' (all of them on one shared
 * promise), so a slow client slows its own producers instead of growing
 * memory. A closed call releases every waiter and swallows later writes.
 *
 * Never: wait for 'drain' on a call that is already closed (it would never come).
 */
import type { Writable } from 'node:stream';

export class CallWriter<Message> {
  private drained: Promise<void> | null = null;

  constructor(private readonly call: Writable) {}

  get closed(): boolean {
    return this.call.destroyed || this.call.writableEnded;
  }

  /** Writes `message`; resolves once the call can take more (at once when it can). */
  async write(message: Message): Promise<void> {
    if (this.closed) return;
    if (this.call.write(message)) return;
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        this.call.off('drain', done);
        this.call.off('close', done);
        this.drained = null;
        resolve();
      };
      this.call.on('drain', done);
      this.call.on('close', done);
    });
    await this.drained;
  }
}

/** Ends a server stream with a status, unless the call is already over. */
export function endWithStatus(call: Writable, serviceError: { code?: number; details?: string }): void {
  if (call.destroyed || call.writableEnded) return;
  // grpc-js turns an 'error' event on a server stream into the call's final status.
  call.emit('error', serviceError);
}
