/**
 * What a side-by-side run measures for one target: either one server
 * (`--members 1`, started by server.ts) or a 3-member local cluster
 * (`--members 3`, started by the shared launcher in src/cli/local-cluster).
 * Either way the runner sees the client endpoints to spread load over, the
 * CPU all member processes have used, and a stop that leaves nothing behind.
 */
import type { Endpoint } from '../../src/bench/index.ts';
import { startCluster } from '../../src/cli/local-cluster/launcher.ts';
import type { LocalCluster } from '../../src/cli/local-cluster/launcher.ts';
import { parseEndpoints } from '../../src/bench/options.ts';
import type { ClusterSize } from './options.ts';
import { processCpuTimeMs } from './server.ts';
import { targetParts, type Target, type TargetPaths } from './targets.ts';

/**
 * Bound on a cluster's start. Three `conclave serve` processes each compile
 * the project through tsx at once; on the shared 2-core machine (load 15+)
 * that took over 30 s, the launcher's default.
 */
export const clusterReadyTimeoutMs = 120_000;

export interface Deployment {
  readonly endpoints: readonly Endpoint[];
  /** e.g. "127.0.0.1:2379 (pid 42)" per member, for the log. */
  readonly description: string;
  /** CPU time (user + system) of every member process so far; a member that died counts what it used while it was watched. */
  cpuTimeMs(): number;
  stop(): Promise<void>;
}

export async function startDeployment(target: Target, members: ClusterSize, paths: TargetPaths): Promise<Deployment> {
  if (members === 1) {
    const server = await target.start();
    return {
      endpoints: [{ host: server.host, port: server.clientPort }],
      description: `${server.host}:${server.clientPort} (pid ${server.pid})`,
      cpuTimeMs: () => server.cpuTimeMs(),
      stop: () => server.stop(),
    };
  }
  const { program, flags } = targetParts(target.name);
  const cluster = await startCluster({ program, extraFlags: flags, size: members, etcdBinary: paths.etcdBinary, readyTimeoutMs: clusterReadyTimeoutMs });
  return clusterDeployment(cluster);
}

function clusterDeployment(cluster: LocalCluster): Deployment {
  const lastCpuMs = new Map<number, number>();
  return {
    endpoints: parseEndpoints(cluster.endpoints.join(',')),
    description: cluster.members.map((m) => `${m.name} ${m.endpoint} (pid ${m.pid ?? 'not running'})`).join(', '),
    cpuTimeMs: () => {
      for (const member of cluster.members) {
        if (member.pid === null) continue;
        try {
          lastCpuMs.set(member.pid, processCpuTimeMs(member.pid));
        } catch {
          // The process exited between the two reads: keep its last figure.
        }
      }
      return [...lastCpuMs.values()].reduce((sum, ms) => sum + ms, 0);
    },
    stop: () => cluster.stop(),
  };
}
