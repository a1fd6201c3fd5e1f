/**
 * Tests that run real programs (etcd, etcdctl, etcd's source) from Debian's
 * packages. On a developer's machine without them such a test is skipped with
 * the command that installs them; in CI (CI=true, where .ci/run installs
 * them) a missing program fails the run instead, so CI never skips a test.
 */
import { existsSync } from 'node:fs';

/** false when `path` exists; otherwise the reason to skip. Throws in CI. */
export function missingProgram(path: string, installHint: string): false | string {
  if (existsSync(path)) return false;
  const reason = `no ${path}; ${installHint}`;
  if (process.env['CI']) throw new Error(`CI must provide ${path} (.ci/run installs it): ${installHint}`);
  return reason;
}
