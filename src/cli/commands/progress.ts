/**
 * The progress bar of long file work (`snapshot save`, `snapshot restore`):
 * bytes done of the total, percent and rate, on one
 * line redrawn in place.
 *
 * Never: draw on a stream that is not a TTY, or when the command writes JSON
 * (scripts read both; they must see no control characters), or redraw more
 * than once per REDRAW_INTERVAL_MS (a fast copy must not spend its time
 * drawing).
 */
import { humanBytes } from './endpoint.ts';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH_CHARS = 30;

export interface ProgressOptions {
  /** What is being done ("saving", "restoring"). */
  readonly label: string;
  readonly totalBytes: number;
  /** The command writes JSON: no bar. */
  readonly json: boolean;
  /** Milliseconds from some fixed point; tests pin it. */
  readonly nowMs?: () => number;
}

export class ByteProgress {
  readonly #stream: ProgressStream;
  readonly #options: ProgressOptions;
  readonly #nowMs: () => number;
  readonly #startedMs: number;
  #doneBytes = 0;
  #drawnAtMs = -Infinity;
  #drawn = false;

  /** A bar on `stream` when it is a TTY and the output is not JSON; null otherwise (callers use `progress?.`). */
  static start(stream: ProgressStream | undefined, options: ProgressOptions): ByteProgress | null {
    if (stream?.isTTY !== true || options.json) return null;
    return new ByteProgress(stream, options);
  }

  private constructor(stream: ProgressStream, options: ProgressOptions) {
    if (!(Number.isSafeInteger(options.totalBytes) && options.totalBytes >= 0)) {
      throw new RangeError(`progress total must be a non-negative integer of bytes, got ${options.totalBytes}`);
    }
    this.#stream = stream;
    this.#options = options;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#startedMs = this.#nowMs();
  }

  advance(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`progress advances by a non-negative integer of bytes, got ${bytes}`);
    this.#doneBytes += bytes;
    const now = this.#nowMs();
    if (now - this.#drawnAtMs < REDRAW_INTERVAL_MS) return;
    this.#drawnAtMs = now;
    this.#drawn = true;
    this.#stream.write(`\r\x1b[2K${formatByteProgress(this.#options.label, this.#doneBytes, this.#options.totalBytes, now - this.#startedMs)}`);
  }

  /** Clears the line, so what the command prints next starts clean. */
  finish(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

export function formatByteProgress(label: string, doneBytes: number, totalBytes: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${humanBytes(Math.round((doneBytes / elapsedMs) * 1_000))}/s` : '-';
  const fraction = totalBytes === 0 ? 1 : Math.min(1, doneBytes / totalBytes);
  const filled = Math.round(fraction * BAR_WIDTH_CHARS);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH_CHARS - filled)}] ${percent}  ${humanBytes(doneBytes)} / ${humanBytes(totalBytes)}  ${rate}`;
}
