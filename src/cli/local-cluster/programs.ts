/**
 * Which executable runs a member: real etcd 3.4 (to prove a harness against
 * the reference) or Conclave's own `conclave serve`, started through its
 * installed-command shim with the current Node, so it needs nothing outside
 * the repository.
 */
import { fileURLToPath } from 'node:url';
import type { ProcessCommand } from './member-process.ts';

export type ClusterProgram = 'conclave' | 'etcd';

export const defaultEtcdBinary = '/usr/bin/etcd';

const conclaveEntry = fileURLToPath(new URL('../conclave.js', import.meta.url));

export function programCommand(program: ClusterProgram, etcdBinary: string): ProcessCommand {
  switch (program) {
    case 'etcd':
      return { file: etcdBinary, args: [] };
    case 'conclave':
      return { file: process.execPath, args: [conclaveEntry, 'serve'] };
  }
}

/** null when the program's members can be told apart by source address (peer partitions work). */
export function partitionUnsupportedReason(program: ClusterProgram): string | null {
  return program === 'etcd' ? 'etcd dials peers from 127.0.0.1, so the proxy cannot tell its senders apart; use kill/stop faults' : null;
}
