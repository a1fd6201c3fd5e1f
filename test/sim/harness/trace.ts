/**
 * The record of one simulated run: every event as a readable line
 * (virtual time, who did what to whom, which fault), folded into a running
 * SHA-256 so two runs of one seed can be compared by hash. Only the last
 * `keepLastLines` lines are kept in memory (printed when a run fails); a
 * `sink` receives every line when the whole trace is wanted (replay).
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

export interface TraceOptions {
  readonly keepLastLines: number;
  readonly sink?: (line: string) => void;
}

export class Trace {
  private readonly digest: Hash = createHash('sha256');
  private readonly ring: string[] = [];
  private next = 0;
  private count = 0;

  constructor(private readonly options: TraceOptions) {
    if (!Number.isSafeInteger(options.keepLastLines) || options.keepLastLines < 1) {
      throw new RangeError(`keepLastLines must be a positive integer, got ${options.keepLastLines}`);
    }
  }

  record(timeMs: number, text: string): void {
    const line = `${String(timeMs).padStart(7)}ms ${text}`;
    this.digest.update(line);
    this.digest.update('\n');
    this.count++;
    if (this.ring.length < this.options.keepLastLines) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.options.keepLastLines;
    this.options.sink?.(line);
  }

  get lineCount(): number {
    return this.count;
  }

  /** Hex digest of every line recorded so far; recording may continue afterwards. */
  hash(): string {
    return this.digest.copy().digest('hex');
  }

  /** The kept lines, oldest first. */
  tail(): string[] {
    if (this.ring.length < this.options.keepLastLines) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
