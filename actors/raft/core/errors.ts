/**
 * The typed errors the Raft core throws at its caller. A refused request
 * (propose, read, conf change, transfer) is always one of these, so the actor
 * shell and the server branch on `instanceof` or the stable `code`, never on
 * message text. `InvariantError` is different: it means the core (or its
 * caller) broke a rule of the protocol, and the member must stop.
 *
 * This module must never import the rest of the core: every module depends on it.
 */
import type { NodeId } from './types.ts';

export abstract class RaftError<D extends object = Record<string, unknown>> extends Error {
  abstract readonly code: string;
  readonly details: D;

  constructor(message: string, details: D) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** This member is not the leader. `leader` is the leader it knows of, or 0 (NO_NODE). */
export class NotLeaderError extends RaftError<{ leader: NodeId }> {
  readonly code = 'NOT_LEADER';
  constructor(leader: NodeId) {
    super(
      leader === 0
        ? 'raft: no leader is known right now; retry after an election'
        : `raft: this member is not the leader; send the request to member ${leader}`,
      { leader },
    );
  }

  get leader(): NodeId {
    return this.details.leader;
  }
}

/** A leadership transfer is under way; proposals resume when it ends (at most one election timeout). */
export class TransferInProgressError extends RaftError<{ transferee: NodeId }> {
  readonly code = 'TRANSFER_IN_PROGRESS';
  constructor(transferee: NodeId) {
    super(`raft: leadership is being transferred to member ${transferee}; retry shortly`, { transferee });
  }
}

/** A membership change is still uncommitted (or this new leader has not committed in its term yet). */
export class ConfChangeInProgressError extends RaftError<{ reason: string }> {
  readonly code = 'CONF_CHANGE_IN_PROGRESS';
  constructor(reason: string) {
    super(`raft: a membership change cannot start now: ${reason}`, { reason });
  }
}

/** The core refused to take the request now (a bound is reached); retrying later may succeed. */
export class ProposalDroppedError extends RaftError<{ reason: string }> {
  readonly code = 'PROPOSAL_DROPPED';
  constructor(reason: string) {
    super(`raft: request dropped: ${reason}`, { reason });
  }
}

/** The requested membership change does not make sense for the current membership. */
export class InvalidConfChangeError extends RaftError<{ reason: string }> {
  readonly code = 'INVALID_CONF_CHANGE';
  constructor(reason: string) {
    super(`raft: invalid membership change: ${reason}`, { reason });
  }
}

/** transferLeadership() named a member that cannot lead (not a voter). */
export class InvalidTransferTargetError extends RaftError<{ target: NodeId }> {
  readonly code = 'INVALID_TRANSFER_TARGET';
  constructor(target: NodeId) {
    super(`raft: cannot transfer leadership to member ${target}: it is not a voter`, { target });
  }
}

/** An option or the restored state is unusable; the message says which and what to do. */
export class RaftOptionsError extends RaftError<{ option: string }> {
  readonly code = 'INVALID_OPTIONS';
  constructor(option: string, problem: string) {
    super(`raft: option "${option}" ${problem}`, { option });
  }
}

/** A protocol invariant was violated: a bug in the core or a caller breaking the contract. */
export class InvariantError extends RaftError<{ invariant: string }> {
  readonly code = 'INVARIANT_VIOLATED';
  constructor(invariant: string) {
    super(`raft invariant violated: ${invariant}`, { invariant });
  }
}

/** Throws InvariantError unless `condition` holds. */
export function invariant(condition: boolean, description: string): asserts condition {
  if (!condition) throw new InvariantError(description);
}
