/**
 * `conclave snapshot restore <file>`: etcdctl snapshot restore. Checks the
 * saved file (snapshot-read.ts) and writes a data directory from which
 * `conclave serve` with the same --name, --initial-cluster and
 * --initial-cluster-token starts a NEW cluster holding the saved data
 * (restored-data-dir.ts says what is kept and what is replaced).
 *
 * The membership flags are read by `conclave serve`'s own parser, so both
 * commands take them, and their defaults, identically: a restore with no
 * flags matches a serve with no flags (127.0.0.1 rather than etcd's
 * localhost, data dir `${name}.conclave`, as serve's flag table explains).
 * As etcd's restore does (VerifyBootstrap), the member's advertised peer URLs
 * must be its URLs in --initial-cluster.
 */
import { canonicalUrl } from '../../embedded/cluster-plan.ts';
import { urlText } from '../../server/index.ts';
import { FlagError, parseServeFlags } from '../serve/parse-flags.ts';
import { toServeConfig, type ServeConfig } from '../serve/serve-config.ts';
import { outputFormat, parseArgs, shortHexId, UsageError, type CommandIo, type ParsedArgs } from './command-line.ts';
import { ByteProgress } from './progress.ts';
import { writeRestoredDataDir, type RestoreTarget } from './restored-data-dir.ts';
import { readSavedSnapshot } from './snapshot-read.ts';

export const snapshotRestoreUsage =
  'snapshot restore <file> [--data-dir=<name>.conclave] [--name=default] [--initial-cluster=<name>=<advertise peer urls>] [--initial-cluster-token=etcd-cluster] [--initial-advertise-peer-urls=http://127.0.0.1:2380] [--skip-hash-check]';

const MEMBERSHIP_FLAGS = ['name', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls'] as const;

/** The membership flags as `conclave serve` reads them. */
function serveView(args: ParsedArgs): ServeConfig {
  const argv = MEMBERSHIP_FLAGS.flatMap((flag) => {
    const value = args.values.get(flag);
    return value === undefined ? [] : [`--${flag}=${value}`];
  });
  try {
    return toServeConfig(parseServeFlags(argv, {}));
  } catch (error) {
    if (error instanceof FlagError) throw new UsageError(error.message);
    throw error;
  }
}

/** etcd's advertiseMatchesCluster, on canonical URLs. */
function assertAdvertiseMatches(config: ServeConfig): void {
  const advertised = config.initialAdvertisePeerUrls.map((url) => canonicalUrl(url.href));
  const listed = (config.initialCluster.get(config.name) ?? []).map((url) => canonicalUrl(url.href));
  const missingFromAdvertised = listed.filter((url) => !advertised.includes(url));
  if (missingFromAdvertised.length > 0) {
    throw new UsageError(
      `--initial-cluster has ${missingFromAdvertised.map((url) => `${config.name}=${url}`).join(',')} but missing from --initial-advertise-peer-urls=${advertised.join(',')}`,
    );
  }
  const missingFromCluster = advertised.filter((url) => !listed.includes(url));
  if (missingFromCluster.length > 0) {
    throw new UsageError(`--initial-advertise-peer-urls has ${missingFromCluster.join(',')} but missing from --initial-cluster=${config.name}=${advertised.join(',')}`);
  }
}

function restoreTarget(args: ParsedArgs): RestoreTarget {
  const config = serveView(args);
  assertAdvertiseMatches(config);
  return {
    dataDir: args.values.get('data-dir') || `${config.name}.conclave`,
    name: config.name,
    clusterToken: config.initialClusterToken,
    initialCluster: Object.fromEntries([...config.initialCluster].map(([name, urls]) => [name, urls.map(urlText)])),
  };
}

export async function snapshotRestoreCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseArgs(argv, { values: ['data-dir', ...MEMBERSHIP_FLAGS], switches: ['skip-hash-check'] });
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('snapshot restore requires exactly one argument');
  const json = outputFormat(args) === 'json';
  const target = restoreTarget(args);
  const saved = await readSavedSnapshot(file, {
    requireHash: true,
    skipHashCheck: args.switches.has('skip-hash-check'),
    progress: (totalBytes) => ByteProgress.start(io.progress, { label: 'restoring', totalBytes, json }),
  });
  const restored = await writeRestoredDataDir(saved.state, target);
  const { dataDir, name } = target;
  io.out(
    json
      ? JSON.stringify({ dataDir, name, ...restored })
      : `Restored snapshot ${file} into ${dataDir}: member ${shortHexId(restored.memberId)} ("${name}") of new cluster ${shortHexId(restored.clusterId)}, revision ${restored.revision}`,
  );
}
