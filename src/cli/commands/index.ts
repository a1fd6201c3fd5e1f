/**
 * The `conclave` client subcommands (etcdctl's, over the remote client), by
 * name, and the process wiring: stdout/stderr, stdin, SIGINT to stop a
 * watch or keep-alive.
 */
import { delCommand, delUsage } from './del.ts';
import { endpointCommand, endpointUsage } from './endpoint.ts';
import { getCommand, getUsage } from './get.ts';
import { leaseCommand, leaseUsage } from './lease.ts';
import { memberCommand, memberUsage } from './member.ts';
import { putCommand, putUsage } from './put.ts';
import { snapshotCommand, snapshotUsage } from './snapshot.ts';
import { txnCommand, txnUsage } from './txn.ts';
import { watchCommand, watchUsage } from './watch.ts';
import type { CommandIo } from './command-line.ts';

export type { CommandIo } from './command-line.ts';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

export const clientCommands: Readonly<Record<string, { readonly run: Command; readonly usage: string }>> = {
  put: { run: putCommand, usage: putUsage },
  get: { run: getCommand, usage: getUsage },
  del: { run: delCommand, usage: delUsage },
  txn: { run: txnCommand, usage: txnUsage },
  watch: { run: watchCommand, usage: watchUsage },
  lease: { run: leaseCommand, usage: leaseUsage },
  member: { run: memberCommand, usage: memberUsage },
  endpoint: { run: endpointCommand, usage: endpointUsage },
  snapshot: { run: snapshotCommand, usage: snapshotUsage },
};

/** Lines for the top-level usage text. */
export const clientCommandsUsage = Object.values(clientCommands)
  .map((command) => `  ${command.usage}`)
  .join('\n');

export function isClientCommand(name: string | undefined): name is string {
  return name !== undefined && Object.hasOwn(clientCommands, name);
}

/** This process's streams; SIGINT aborts the signal (a second SIGINT is Node's default: exit). */
export function processIo(): CommandIo {
  // stderr carries etcdctl's "Error: ..." lines that scripts read. grpc-js sets the TLS server name to
  // the endpoint's IP, and Node warns about that (DEP0123) on every https://<ip> command; keep it out.
  process.noDeprecation = true;
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  return {
    // Braces: write()'s boolean must not become a command's result (a body that returns io.out(...) would exit with `true`).
    out: (line) => {
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      process.stderr.write(`${line}\n`);
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    signal: interrupt.signal,
    progress: process.stderr,
  };
}

/** Runs client subcommand `name` with `argv`; resolves to the exit code. */
export function runClientCommand(name: string, argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const command = clientCommands[name];
  if (command === undefined) throw new Error(`not a client command: ${name}`);
  return command.run(argv, io);
}
