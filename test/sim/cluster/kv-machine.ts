/**
 * The simulated members' state machine: a map of registers driven by
 * committed log entries, each carrying a msgpackr-encoded command with a
 * request id (client, seq). A per-client session remembers the last request
 * applied and its output, so a retried request is answered, never applied
 * twice, and a request older than the session's is ignored.
 *
 * It also remembers which writes it applied (a simulation-only record that
 * travels in snapshots) so the "no acknowledged write lost" check can ask
 * the final state directly.
 */
import { pack, unpack } from 'msgpackr';
import type { Entry } from '../../../actors/raft/core/types.ts';
import type { KvInput, KvOutput } from '../linearizability/index.ts';

export interface Command {
  readonly client: number;
  readonly seq: number;
  readonly op: KvInput;
}

export interface Applied {
  readonly client: number;
  readonly seq: number;
  readonly output: KvOutput;
}

interface Session {
  readonly seq: number;
  readonly output: KvOutput;
}

interface SnapshotBody {
  readonly appliedIndex: number;
  readonly values: [string, string][];
  readonly sessions: [number, Session][];
  readonly appliedWrites: string[];
}

export const requestKey = (client: number, seq: number): string => `${client}:${seq}`;

export function encodeCommand(command: Command): Uint8Array {
  return pack(command);
}

export function decodeCommand(data: Uint8Array): Command {
  const command = unpack(data) as Command;
  if (!Number.isSafeInteger(command.client) || !Number.isSafeInteger(command.seq) || typeof command.op?.key !== 'string') {
    throw new Error('log entry does not hold a simulator command');
  }
  return command;
}

export class KvMachine {
  private applied = 0;
  private readonly values = new Map<string, string>();
  private readonly sessions = new Map<number, Session>();
  private readonly writes = new Set<string>();

  get appliedIndex(): number {
    return this.applied;
  }

  read(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** Whether the write (client, seq) changed the state here. */
  hasAppliedWrite(client: number, seq: number): boolean {
    return this.writes.has(requestKey(client, seq));
  }

  /**
   * Applies one committed entry (in index order). Returns the answer for its
   * request, or null for entries that carry no command or a superseded one.
   */
  apply(entry: Entry): Applied | null {
    if (entry.index !== this.applied + 1) throw new Error(`applying entry ${entry.index} after ${this.applied}`);
    this.applied = entry.index;
    if (entry.kind !== 'normal' || entry.data.length === 0) return null;
    const command = decodeCommand(entry.data);
    const session = this.sessions.get(command.client);
    if (session !== undefined && command.seq < session.seq) return null;
    if (session !== undefined && command.seq === session.seq) return { client: command.client, seq: command.seq, output: session.output };
    const output = this.execute(command);
    this.sessions.set(command.client, { seq: command.seq, output });
    return { client: command.client, seq: command.seq, output };
  }

  /** Records an entry the core applies itself (membership changes) as applied. */
  markApplied(index: number): void {
    if (index !== this.applied + 1) throw new Error(`skipping entry ${index} after ${this.applied}`);
    this.applied = index;
  }

  serialize(): Uint8Array {
    const body: SnapshotBody = {
      appliedIndex: this.applied,
      values: [...this.values],
      sessions: [...this.sessions],
      appliedWrites: [...this.writes],
    };
    return pack(body);
  }

  static restore(data: Uint8Array): KvMachine {
    const body = unpack(data) as SnapshotBody;
    const machine = new KvMachine();
    machine.applied = body.appliedIndex;
    for (const [key, value] of body.values) machine.values.set(key, value);
    for (const [client, session] of body.sessions) machine.sessions.set(client, session);
    for (const write of body.appliedWrites) machine.writes.add(write);
    return machine;
  }

  private execute(command: Command): KvOutput {
    const op = command.op;
    switch (op.kind) {
      case 'put':
        this.values.set(op.key, op.value);
        this.writes.add(requestKey(command.client, command.seq));
        return { kind: 'put' };
      case 'get':
        return { kind: 'get', value: this.read(op.key) };
      case 'cas': {
        const ok = this.read(op.key) === op.expected;
        if (ok) {
          this.values.set(op.key, op.value);
          this.writes.add(requestKey(command.client, command.seq));
        }
        return { kind: 'cas', ok };
      }
    }
  }
}
