/**
 * One member's operating-system process: spawned with etcd-style flags, its
 * output kept as a short tail of lines (to explain a failed start or an
 * unexpected death), readiness taken from the line every etcd-compatible
 * server prints, and signals delivered by pid. It knows nothing of clusters;
 * the launcher composes these. It must never leave a process running after
 * `terminate()` resolves.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export const readyLine = 'ready to serve client requests';
/** Output lines kept per member to explain failures. */
const logLinesKept = 200;
/** Lines shown in an error message. */
const logLinesShown = 15;
/** A line longer than this is cut (output is for people, not parsed beyond the ready line). */
const partialLineMaxChars = 16_384;

export interface ProcessCommand {
  readonly file: string;
  /** Arguments placed before the etcd flags (e.g. the script and `serve`). */
  readonly args: readonly string[];
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be run at all. */
  readonly spawnError: string | null;
}

export class MemberStartError extends Error {
  override readonly name = 'MemberStartError';
}

export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError !== null) return `could not run: ${exit.spawnError}`;
  return `exited with ${exit.signal ?? `code ${exit.code}`}`;
}

export class MemberProcess {
  readonly label: string;
  readonly pid: number;
  /** Settles once, when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  readonly #child: ChildProcess;
  readonly #log: string[] = [];
  #exit: ProcessExit | null = null;
  #ready = false;
  #partialLine = '';
  readonly #readyWaiters: (() => void)[] = [];

  private constructor(label: string, child: ChildProcess, pid: number) {
    this.label = label;
    this.#child = child;
    this.pid = pid;
    const keepLines = (chunk: Buffer): void => this.#keep(chunk);
    child.stdout?.on('data', keepLines);
    child.stderr?.on('data', keepLines);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal, spawnError: null };
        resolve(this.#exit);
      });
    });
  }

  /** Spawns `command` with `flags`; throws MemberStartError when it cannot be run. */
  static async spawn(label: string, command: ProcessCommand, flags: readonly string[]): Promise<MemberProcess> {
    const child = spawn(command.file, [...command.args, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    const spawned = await new Promise<string | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (error) => resolve(error.message));
    });
    if (spawned !== null || child.pid === undefined) {
      throw new MemberStartError(`${label}: cannot run ${command.file}: ${spawned ?? 'no pid'}`);
    }
    return new MemberProcess(label, child, child.pid);
  }

  get isRunning(): boolean {
    return this.#exit === null;
  }

  get exit(): ProcessExit | null {
    return this.#exit;
  }

  /** The last output lines, oldest first. */
  logTail(lines = logLinesShown): readonly string[] {
    return this.#log.slice(-lines);
  }

  /** Resolves when the ready line appears; throws with the log tail on exit or after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this.#ready) return;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<'ready'>((resolve) => this.#readyWaiters.push(() => resolve('ready'))),
      this.exited.then((exit) => describeExit(exit)),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`did not print "${readyLine}" within ${timeoutMs} ms`), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') throw new MemberStartError(`${this.label} ${outcome}${this.formatTail()}`);
  }

  formatTail(): string {
    const tail = this.logTail();
    return tail.length === 0 ? ' (no output)' : `; last output:\n  ${tail.join('\n  ')}`;
  }

  /** Delivers `signal` if the process still runs; a no-op after exit. */
  signal(signal: NodeJS.Signals): void {
    if (!this.isRunning) return;
    this.#child.kill(signal);
  }

  /** SIGTERM (after SIGCONT, in case it is stopped), then SIGKILL after `graceMs`; resolves once exited. */
  async terminate(graceMs: number): Promise<ProcessExit> {
    if (this.#exit !== null) return this.#exit;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.exited, graceOver]);
    clearTimeout(timer);
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    return this.exited;
  }

  /** Splits output into lines; a line cut between chunks waits for its end (bounded). */
  #keep(chunk: Buffer): void {
    const lines = (this.#partialLine + chunk.toString('utf8')).split('\n');
    this.#partialLine = (lines.pop() ?? '').slice(-partialLineMaxChars);
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.#log.push(line);
      if (this.#log.length > logLinesKept) this.#log.shift();
      if (!this.#ready && line.includes(readyLine)) {
        this.#ready = true;
        for (const wake of this.#readyWaiters.splice(0)) wake();
      }
    }
  }
}
