/**
 * Starts one etcd-compatible member for a side-by-side run: a fresh temporary
 * data directory, free ports on 127.0.0.1, etcd's own flags, and readiness
 * taken from the line every etcd-compatible server prints, "ready to serve
 * client requests". Stopping it ends the process (SIGTERM, then SIGKILL after
 * a bound) and removes the data directory. Works for any command that takes
 * etcd's flags, so Conclave (`conclave serve`) starts the same way as etcd.
 * It must never leave a server or a data directory behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export const readyLine = 'ready to serve client requests';
const readyWaitMsDefault = 30_000;
const stopWaitMs = 10_000;
/** Output lines kept to explain a failed start. */
const logLinesKept = 40;

export interface ServerCommand {
  /** Label in messages, e.g. "etcd". */
  name: string;
  file: string;
  /** Arguments placed before the etcd flags (e.g. the script and `serve`). */
  args: readonly string[];
}

export interface RunningServer {
  readonly name: string;
  readonly host: string;
  readonly clientPort: number;
  readonly pid: number;
  readonly dataDir: string;
  /** CPU time (user + system) the server process has used so far, from /proc. */
  cpuTimeMs(): number;
  stop(): Promise<void>;
}

export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the server to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not obtain a free port');
  return address.port;
}

export async function startServer(command: ServerCommand, readyWaitMs = readyWaitMsDefault): Promise<RunningServer> {
  const host = '127.0.0.1';
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `conclave-bench-${command.name}-`));
  const member = 'bench';
  const clientUrl = `http://${host}:${clientPort}`;
  const peerUrl = `http://${host}:${peerPort}`;
  const flags = [
    `--name=${member}`,
    `--data-dir=${join(dataDir, 'member')}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${member}=${peerUrl}`,
  ];
  let child: ChildProcess;
  try {
    child = spawn(command.file, [...command.args, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new ServerStartError(`${command.name}: cannot start ${command.file}: ${(error as Error).message}`);
  }
  const log: string[] = [];
  let ready = false;
  let onReady: (() => void) | null = null;
  const watchOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      log.push(line);
      if (log.length > logLinesKept) log.shift();
      if (!ready && line.includes(readyLine)) {
        ready = true;
        onReady?.();
      }
    }
  };
  child.stdout?.on('data', watchOutput);
  child.stderr?.on('data', watchOutput);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not run ${command.file}: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killLater = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, stopWaitMs);
      });
      await Promise.race([exited, killLater]);
      clearTimeout(timer);
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    new Promise<'ready'>((resolve) => {
      onReady = () => resolve('ready');
      if (ready) resolve('ready');
    }),
    exited.then((how) => ({ failed: how })),
    new Promise<{ failed: string }>((resolve) => {
      timer = setTimeout(() => resolve({ failed: `did not print "${readyLine}" within ${readyWaitMs} ms` }), readyWaitMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop();
    const tail = log.length > 0 ? `\nlast output:\n  ${log.slice(-10).join('\n  ')}` : '';
    throw new ServerStartError(`${command.name} ${outcome.failed} before "${readyLine}"${tail}`);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('started server has no pid');
  return { name: command.name, host, clientPort, pid, dataDir, cpuTimeMs: () => processCpuTimeMs(pid), stop };
}

/** utime + stime of a live process from /proc/<pid>/stat (Linux), in ms. */
export function processCpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  if (!Number.isFinite(utimeTicks) || !Number.isFinite(stimeTicks)) throw new Error(`unreadable /proc/${pid}/stat`);
  return ((utimeTicks + stimeTicks) * 1000) / clockTicksPerSecond;
}

/** USER_HZ; 100 on every Linux platform Node supports. */
const clockTicksPerSecond = 100;
