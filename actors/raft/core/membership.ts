/**
 * Membership math, one server at a time: which members vote, which only
 * learn, and what a single ConfChange turns a ConfState into. Pure
 * functions on plain data; the leader calls `applyConfChange` when it
 * proposes (to refuse nonsense early and to record the resulting
 * membership in the entry); every member adopts that result as soon as the
 * entry is in its log.
 *
 * Never allows an empty voter set or a member that is both voter and learner.
 */
import { InvalidConfChangeError, RaftOptionsError } from './errors.ts';
import { NO_NODE } from './types.ts';
import type { ConfChange, ConfState, NodeId } from './types.ts';

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isLearner(conf: ConfState, id: NodeId): boolean {
  return conf.learners.includes(id);
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return isVoter(conf, id) || isLearner(conf, id);
}

function sorted(ids: readonly NodeId[]): NodeId[] {
  return [...ids].sort((a, b) => a - b);
}

export function confEquals(a: ConfState, b: ConfState): boolean {
  const sameSet = (x: readonly NodeId[], y: readonly NodeId[]): boolean => {
    if (x.length !== y.length) return false;
    const sx = sorted(x);
    const sy = sorted(y);
    return sx.every((id, i) => id === sy[i]);
  };
  return sameSet(a.voters, b.voters) && sameSet(a.learners, b.learners);
}

/** Checks a ConfState handed in from outside (restored state, snapshots). */
export function validateConfState(conf: ConfState, what: string): ConfState {
  const all = [...conf.voters, ...conf.learners];
  for (const id of all) {
    if (!Number.isSafeInteger(id) || id <= NO_NODE) throw new RaftOptionsError(what, `holds member ID ${String(id)}; IDs are positive safe integers`);
  }
  if (new Set(all).size !== all.length) throw new RaftOptionsError(what, 'lists a member twice (or as both voter and learner)');
  return { voters: sorted(conf.voters), learners: sorted(conf.learners) };
}

/** The membership after `change`; throws InvalidConfChangeError if the change makes no sense. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const id = change.node;
  if (!Number.isSafeInteger(id) || id <= NO_NODE) throw new InvalidConfChangeError(`member ID ${String(id)} is not a positive safe integer`);
  if (change.kind === 'update') {
    if (!isMember(conf, id)) throw new InvalidConfChangeError(`member ${id} is not a member`);
    return { voters: sorted(conf.voters), learners: sorted(conf.learners) };
  }
  const voters = conf.voters.filter((v) => v !== id);
  const learners = conf.learners.filter((l) => l !== id);
  switch (change.kind) {
    case 'add-voter':
      if (isVoter(conf, id)) throw new InvalidConfChangeError(`member ${id} is already a voter`);
      voters.push(id);
      break;
    case 'add-learner':
      if (isLearner(conf, id)) throw new InvalidConfChangeError(`member ${id} is already a learner`);
      learners.push(id);
      break;
    case 'remove':
      if (!isMember(conf, id)) throw new InvalidConfChangeError(`member ${id} is not a member`);
      break;
    default:
      throw new InvalidConfChangeError(`unknown change kind ${JSON.stringify((change as { kind: unknown }).kind)}`);
  }
  if (voters.length === 0) throw new InvalidConfChangeError(`the change would leave no voter (member ${id} is the last one)`);
  return { voters: sorted(voters), learners: sorted(learners) };
}
