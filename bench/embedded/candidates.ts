/**
 * Which placements a bench run compares, from the command line: the named
 * ones open() offers, plus at most one explicit group map given as JSON. It
 * checks names up front so a typo fails before minutes of measuring.
 */
import { isMemberPlacementName, MEMBER_PLACEMENT_NAMES } from '../../actors/member/start-member.ts';
import type { MemberPlacement } from '../../src/index.ts';

export interface Candidate {
  readonly label: string;
  readonly placement: MemberPlacement;
}

/** `list`: comma-separated names; 'groups' stands for the map in `groupsJson`. */
export function candidatesFrom(list: string, groupsJson: string | undefined): Candidate[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new TypeError('--placements must name at least one placement');
  if (new Set(names).size !== names.length) throw new TypeError(`--placements names a placement twice: ${list}`);
  if (groupsJson !== undefined && !names.includes('groups')) names.push('groups');
  return names.map((name): Candidate => {
    if (isMemberPlacementName(name)) return { label: name, placement: name };
    if (name !== 'groups') throw new TypeError(`unknown placement "${name}"; use ${[...MEMBER_PLACEMENT_NAMES, 'groups'].join(', ')}`);
    if (groupsJson === undefined) throw new TypeError(`'groups' needs --groups '{"name": ["raft", ...], ...}'`);
    const groups: unknown = JSON.parse(groupsJson);
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) throw new TypeError('--groups must be a JSON object of group name → actor names');
    return { label: 'groups', placement: { groups } as MemberPlacement };
  });
}

/** Forward on even repetitions, backward on odd ones, so no placement always runs on a warmer (or more tired) process. */
export function orderFor<T>(candidates: readonly T[], repetition: number): T[] {
  return repetition % 2 === 0 ? [...candidates] : [...candidates].reverse();
}
