/**
 * Real etcd for tests: started only when the Debian binary is installed (CI
 * installs etcd-server); otherwise the tests that need it are skipped with a
 * message saying how to enable them (test/support/real-programs.ts).
 */
import type { Test } from 'tap';
import { startServer } from '../../bench/compare/server.ts';
import type { RunningServer } from '../../bench/compare/server.ts';
import { defaultEtcdBinary, etcdInstallHint } from '../../bench/compare/targets.ts';

import { missingProgram } from '../support/real-programs.ts';

/** false when etcd can run; otherwise the skip reason (in CI a missing etcd fails instead). */
export const etcdMissing: false | string = missingProgram(defaultEtcdBinary, etcdInstallHint);

/** Starts a fresh etcd (temp data dir, free ports) that is stopped and removed when `t` ends. */
export async function startTestEtcd(t: Test): Promise<RunningServer> {
  const server = await startServer({ name: 'etcd', file: defaultEtcdBinary, args: [] });
  t.teardown(() => server.stop());
  return server;
}
