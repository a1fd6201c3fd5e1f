/**
 * The etcd 3.4 command-line flags of one member of a local cluster. Both
 * `etcd` and `conclave serve` take exactly these, so a member is started the
 * same way whichever program runs it. Pure: no I/O, no defaults invented here.
 */

export interface MemberAddresses {
  readonly name: string;
  readonly dataDir: string;
  readonly clientUrl: string;
  /** What the member binds for peers (its own 127.0.0.x). */
  readonly listenPeerUrl: string;
  /** What other members dial (the proxy's URL when there is one). */
  readonly advertisePeerUrl: string;
}

export interface ClusterTiming {
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** null: the program's own default. */
  readonly snapshotCount: number | null;
  /** Appended as given (flags only one of the programs knows, e.g. Conclave's catch-up entries). */
  readonly extraFlags: readonly string[];
}

export interface MemberFlagInput {
  readonly member: MemberAddresses;
  /** Every member of the cluster the member starts (or joins) into, itself included. */
  readonly initialCluster: readonly MemberAddresses[];
  readonly initialClusterState: 'new' | 'existing';
  readonly clusterToken: string;
  readonly timing: ClusterTiming;
}

export function memberFlags(input: MemberFlagInput): string[] {
  const { member, timing } = input;
  if (!input.initialCluster.some((other) => other.name === member.name)) {
    throw new Error(`member ${member.name} must be part of its own --initial-cluster`);
  }
  const flags = [
    `--name=${member.name}`,
    `--data-dir=${member.dataDir}`,
    `--listen-client-urls=${member.clientUrl}`,
    `--advertise-client-urls=${member.clientUrl}`,
    `--listen-peer-urls=${member.listenPeerUrl}`,
    `--initial-advertise-peer-urls=${member.advertisePeerUrl}`,
    `--initial-cluster=${input.initialCluster.map((other) => `${other.name}=${other.advertisePeerUrl}`).join(',')}`,
    `--initial-cluster-state=${input.initialClusterState}`,
    `--initial-cluster-token=${input.clusterToken}`,
    `--heartbeat-interval=${timing.heartbeatIntervalMs}`,
    `--election-timeout=${timing.electionTimeoutMs}`,
  ];
  if (timing.snapshotCount !== null) flags.push(`--snapshot-count=${timing.snapshotCount}`);
  return [...flags, ...timing.extraFlags];
}
