/**
 * The servers a side-by-side run can measure. Each target says whether it can
 * run on this machine and, if not, exactly what to do about it — a missing
 * etcd binary is reported with the command that installs it, never as an
 * obscure spawn error. Conclave is started through `conclave serve` with the
 * same etcd flags; until its etcd API server exists that start fails with the
 * command's own explanation.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMemberPlacementName, MEMBER_PLACEMENT_NAMES, type MemberPlacementName } from '../../actors/member/start-member.ts';
import { startServer } from './server.ts';
import type { RunningServer } from './server.ts';

export const targetNames = ['etcd', 'conclave'] as const;
/**
 * `conclave@<placement>` runs Conclave with `--experimental-placement
 * <placement>`, so placements can be measured side by side with etcd in one
 * run; plain `conclave` is the default placement.
 */
export type TargetName = (typeof targetNames)[number] | `conclave@${MemberPlacementName}`;

export const defaultEtcdBinary = '/usr/bin/etcd';
export const etcdInstallHint = 'install with: apt-get install -y etcd-server';

export interface Target {
  readonly name: TargetName;
  /** null when the target can be started; otherwise why not and what to do. */
  unavailableReason(): string | null;
  start(): Promise<RunningServer>;
}

export interface TargetPaths {
  etcdBinary: string;
}

/** The program a target runs and the flags it adds to etcd's (a Conclave placement). */
export function targetParts(name: TargetName): { readonly program: (typeof targetNames)[number]; readonly flags: readonly string[] } {
  if (name === 'etcd' || name === 'conclave') return { program: name, flags: [] };
  return { program: 'conclave', flags: ['--experimental-placement', name.slice('conclave@'.length)] };
}

export function makeTarget(name: TargetName, paths: TargetPaths): Target {
  const { program, flags } = targetParts(name);
  switch (program) {
    case 'etcd':
      return {
        name,
        unavailableReason: () =>
          isExecutable(paths.etcdBinary) ? null : `etcd is not installed (no executable at ${paths.etcdBinary}); ${etcdInstallHint}`,
        start: () => startServer({ name: 'etcd', file: paths.etcdBinary, args: [] }),
      };
    case 'conclave': {
      const entry = fileURLToPath(new URL('../../src/cli/conclave.js', import.meta.url));
      return {
        name,
        unavailableReason: () => (isReadableFile(entry) ? null : `conclave's command entry ${entry} is missing`),
        start: () => startServer({ name, file: process.execPath, args: [entry, 'serve', ...flags] }),
      };
    }
  }
}

export function parseTargetNames(list: string): TargetName[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new Error(`--targets: give one or more of ${targetNames.join(', ')}`);
  return names.map((name): TargetName => {
    const found = targetNames.find((known) => known === name);
    if (found !== undefined) return found;
    const placement = name.startsWith('conclave@') ? name.slice('conclave@'.length) : null;
    if (placement !== null && isMemberPlacementName(placement)) return `conclave@${placement}`;
    throw new Error(`--targets: unknown target '${name}'; known: ${targetNames.join(', ')}, conclave@<${MEMBER_PLACEMENT_NAMES.join('|')}>`);
  });
}

function isExecutable(path: string): boolean {
  return isFileWithAccess(path, constants.X_OK);
}

function isReadableFile(path: string): boolean {
  return isFileWithAccess(path, constants.R_OK);
}

function isFileWithAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
