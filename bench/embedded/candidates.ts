/**
 * Which placements a bench run compares, from the command line: the named
 * ones open() offers, plus at most one explicit group map given as JSON, each
 * optionally with its workers' nice value (`one-worker@nice0`; without the
 * suffix open()'s default). It checks names up front so a typo fails before
 * minutes of measuring.
 */
import { isMemberPlacementName, MEMBER_PLACEMENT_NAMES } from '../../actors/member/start-member.ts';
import type { MemberPlacement } from '../../src/index.ts';

export interface Candidate {
  readonly label: string;
  readonly placement: MemberPlacement;
  /** open()'s workerNice; undefined: its default. */
  readonly workerNice?: number;
}

const NICE_SUFFIX = /^(.+)@nice(\d+)$/;

/** `list`: comma-separated names; 'groups' stands for the map in `groupsJson`. */
export function candidatesFrom(list: string, groupsJson: string | undefined): Candidate[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new TypeError('--placements must name at least one placement');
  if (new Set(names).size !== names.length) throw new TypeError(`--placements names a placement twice: ${list}`);
  if (groupsJson !== undefined && !names.includes('groups')) names.push('groups');
  return names.map((label): Candidate => {
    const suffix = NICE_SUFFIX.exec(label);
    const name = suffix === null ? label : suffix[1]!;
    const nice = suffix === null ? {} : { workerNice: Number(suffix[2]) };
    if (isMemberPlacementName(name)) return { label, placement: name, ...nice };
    if (name !== 'groups') throw new TypeError(`unknown placement "${name}"; use ${[...MEMBER_PLACEMENT_NAMES, 'groups'].join(', ')}`);
    if (groupsJson === undefined) throw new TypeError(`'groups' needs --groups '{"name": ["raft", ...], ...}'`);
    const groups: unknown = JSON.parse(groupsJson);
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) throw new TypeError('--groups must be a JSON object of group name → actor names');
    return { label, placement: { groups } as MemberPlacement, ...nice };
  });
}

/** Forward on even repetitions, backward on odd ones, so no placement always runs on a warmer (or more tired) process. */
export function orderFor<T>(candidates: readonly T[], repetition: number): T[] {
  return repetition % 2 === 0 ? [...candidates] : [...candidates].reverse();
}
