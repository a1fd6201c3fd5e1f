/**
 * Every open Watch and LeaseKeepAlive stream, so the server can count them
 * (metrics), end them all at shutdown, and so a test can observe that a
 * client that went away left nothing behind.
 *
 * Never: hold a stream after its `close` ran; a closed stream unregisters itself.
 */
import { EventEmitter } from 'node:events';

export type StreamKind = 'watch' | 'lease-keepalive';

export interface OpenStream {
  readonly kind: StreamKind;
  /** Live watches on this stream (0 for keepalive streams). */
  watcherCount(): number;
  /** Releases everything the stream holds and ends the call with `reason`. */
  close(reason: { code: number; details: string }): void;
}

export interface StreamCounts {
  readonly watchStreams: number;
  readonly watchers: number;
  readonly keepAliveStreams: number;
}

/** Emits 'change' whenever a stream opens or closes, or a stream's watcher count changes. */
export class StreamRegistry extends EventEmitter {
  private readonly streams = new Set<OpenStream>();

  add(stream: OpenStream): void {
    this.streams.add(stream);
    this.emit('change');
  }

  remove(stream: OpenStream): void {
    if (this.streams.delete(stream)) this.emit('change');
  }

  /** A stream's watchers changed. */
  touched(): void {
    this.emit('change');
  }

  counts(): StreamCounts {
    let watchStreams = 0;
    let watchers = 0;
    let keepAliveStreams = 0;
    for (const stream of this.streams) {
      if (stream.kind === 'watch') {
        watchStreams += 1;
        watchers += stream.watcherCount();
      } else {
        keepAliveStreams += 1;
      }
    }
    return { watchStreams, watchers, keepAliveStreams };
  }

  closeAll(reason: { code: number; details: string }): void {
    for (const stream of [...this.streams]) stream.close(reason);
    this.streams.clear();
    this.emit('change');
  }
}
