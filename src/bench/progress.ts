/**
 * A one-line progress bar redrawn in place on a terminal. Only ever used when
 * the output stream is a TTY: piped output and --json stay free of control
 * characters.
 */
import type { StopCondition } from './options.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const barWidthChars = 30;

export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #stop: StopCondition;
  #drawn = false;

  constructor(stream: ProgressStream, stop: StopCondition) {
    if (stream.isTTY !== true) throw new Error('progress bar needs a TTY stream');
    this.#stream = stream;
    this.#stop = stop;
  }

  update(completedOps: number, elapsedMs: number): void {
    this.#stream.write(`\r${formatProgress(this.#stop, completedOps, elapsedMs)}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
  }
}

export function formatProgress(stop: StopCondition, completedOps: number, elapsedMs: number): string {
  const fraction = stop.kind === 'total' ? completedOps / stop.ops : elapsedMs / stop.ms;
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * barWidthChars);
  const rate = elapsedMs > 0 ? Math.round((completedOps / elapsedMs) * 1000) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidthChars - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}%  ${completedOps} ops  ${rate} ops/s`;
}
