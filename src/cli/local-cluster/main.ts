/**
 * `npm run cluster`: a local 3-member Conclave cluster on 127.0.0.1 with
 * etcd's conventional local ports (clients 2379, 22379, 32379; peers 2380,
 * 22380, 32380), data kept under ./local-cluster.conclave/<name> so a second
 * run resumes the same cluster (`--program=etcd`: the same with real etcd,
 * data under ./local-cluster.etcd). Runs in the foreground until SIGINT/SIGTERM,
 * then stops every member. A member that dies on its own is reported with
 * its last log lines; the others keep running (that is what a cluster is
 * for). It must never exit leaving a member behind.
 */
import { startCluster, describeMemberExit, MemberStartError, type ClusterProgram } from './launcher.ts';

const names = ['infra1', 'infra2', 'infra3'] as const;
const clientPorts = [2379, 22379, 32379] as const;
const peerPorts = [2380, 22380, 32380] as const;
const usage = 'usage: npm run cluster [-- --program=conclave|etcd]   (etcd: the same cluster of real etcd 3.4, for comparison)';

/** The only option: which program runs the members (default conclave). */
function parseProgram(argv: readonly string[]): ClusterProgram | null {
  if (argv.length === 0) return 'conclave';
  if (argv.length === 1 && (argv[0] === '--program=conclave' || argv[0] === '--program=etcd')) {
    return argv[0] === '--program=etcd' ? 'etcd' : 'conclave';
  }
  return null;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = parseProgram(argv);
  if (program === null) {
    console.error(usage);
    return 2;
  }
  const baseDataDir = `local-cluster.${program}`;
  console.log(`starting a 3-member ${program} cluster (data in ./${baseDataDir}) ...`);
  let cluster;
  try {
    cluster = await startCluster({ program, names, clientPorts, peerPorts, baseDataDir });
  } catch (error) {
    if (!(error instanceof MemberStartError)) throw error;
    console.error(`cluster did not start:\n${error.message}`);
    return 1;
  }
  cluster.onUnexpectedExit((name, exit, tail) => {
    console.error(`member ${describeMemberExit(name, exit)} unexpectedly; last output:\n  ${tail.join('\n  ')}`);
  });
  for (const member of cluster.members) {
    console.log(`  ${member.name}  client ${member.clientUrl}  peer ${member.peerUrl}  pid ${member.pid}  data ${member.dataDir}`);
  }
  console.log(`\ntry: etcdctl --endpoints=${cluster.endpoints.join(',')} member list -w table`);
  console.log('Ctrl-C stops the cluster');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.log(`\n${signal}: stopping every member ...`);
  await cluster.stop();
  console.log('stopped');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
