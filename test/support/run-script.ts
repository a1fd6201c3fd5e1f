/**
 * Runs a TypeScript file as a process of its own and collects what it
 * printed and how it ended: for tests whose point is that a program exits by
 * itself (no handle left open) or must not share the test's thread.
 */
import { spawn } from 'node:child_process';

export interface ScriptRun {
  readonly code: number | null;
  /** null when the process exited by itself; SIGKILL when the safety net had to end it. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `killAfterMs` is a safety net only: a process that does not exit by then is killed and reported so. */
export async function runScript(path: string, args: readonly string[] = [], killAfterMs = 60_000): Promise<ScriptRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  return { code, signal, stdout, stderr };
}
