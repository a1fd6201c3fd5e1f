import t from 'tap';
import { FlagError, parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { defaultQuotaBackendBytes, toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { parseGoDurationMs } from '../../src/cli/serve/go-values.ts';

const configOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => toServeConfig(parseServeFlags(argv, env));

t.test('no flags: one member on 127.0.0.1 with etcd defaults and a local data dir', async (t) => {
  const config = configOf([]);
  t.equal(config.name, 'default');
  t.equal(config.dataDir, 'default.conclave');
  t.same(config.listenClientUrls.map(String), ['http://127.0.0.1:2379/']);
  t.same(config.listenPeerUrls.map(String), ['http://127.0.0.1:2380/']);
  t.same([...config.initialCluster.keys()], ['default']);
  t.equal(config.heartbeatIntervalMs, 100);
  t.equal(config.electionTimeoutMs, 1000);
  t.equal(config.maxRequestBytes, 1_572_864);
  t.equal(config.maxTxnOps, 128);
  t.equal(config.snapshotCountEntries, 100_000);
  t.equal(config.quotaBackendBytes, defaultQuotaBackendBytes);
  t.equal(config.initialClusterState, 'new');
});

t.test('Go flag syntax: single or double dash, =value or separate value, bare booleans', async (t) => {
  const config = configOf([
    '-name', 'n1', '--data-dir=/tmp/x', '--listen-client-urls', 'http://127.0.0.1:3000,http://127.0.0.1:3001',
    '--pre-vote', '--strict-reconfig-check=false', '--grpc-keepalive-interval', '1h30m',
    '--initial-advertise-peer-urls', 'http://127.0.0.1:3380',
  ]);
  t.equal(config.name, 'n1');
  t.equal(config.dataDir, '/tmp/x');
  t.equal(config.listenClientUrls.length, 2);
  t.equal(config.preVote, true);
  t.equal(config.strictReconfigCheck, false);
  t.equal(config.grpcKeepalive.intervalMs, 5_400_000);
  t.same(config.initialCluster.get('n1')?.map(String), ['http://127.0.0.1:3380/'], 'initial cluster derived from name');
});

t.test('initial cluster with several members and several URLs each', async (t) => {
  const config = configOf(['--name', 'b', '--initial-cluster', 'a=http://127.0.0.1:1,b=http://127.0.0.1:2,b=http://127.0.0.1:3', '--initial-cluster-state', 'existing']);
  t.same([...config.initialCluster.keys()], ['a', 'b']);
  t.equal(config.initialCluster.get('b')?.length, 2);
  t.equal(config.initialClusterState, 'existing');
});

t.test('ETCD_* environment variables set flags; command-line flags win with a warning', async (t) => {
  const flags = parseServeFlags(['--name', 'fromflag'], { ETCD_NAME: 'fromenv', ETCD_MAX_TXN_OPS: '7', ETCD_BOGUS: '1' });
  const config = toServeConfig(flags);
  t.equal(config.name, 'fromflag');
  t.equal(config.maxTxnOps, 7);
  t.match(flags.warnings.join('\n'), /ignoring environment variable ETCD_NAME/);
  t.match(flags.warnings.join('\n'), /unrecognized environment variable ETCD_BOGUS/);
});

t.test('every etcd flag is accepted; the ones without effect say so once', async (t) => {
  const flags = parseServeFlags(['--enable-v2', '--auth-token', 'jwt', '--max-wals', '9', '--peer-heartbeat-interval', '5'], {});
  const text = flags.warnings.join('\n');
  t.match(text, /--enable-v2 is accepted for etcd compatibility and has no effect/);
  t.match(text, /--auth-token is accepted/);
  t.match(text, /--max-wals is accepted/);
  t.match(text, /--peer-heartbeat-interval is an obsolete etcd flag/);
  t.equal(flags.warnings.length, 4);
});

t.test('bad flags stop start-up with a message naming the flag', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--no-such-flag'], /unknown flag: --no-such-flag/],
    [['--max-txn-ops', 'lots'], /invalid value "lots" for flag --max-txn-ops/],
    [['--max-txn-ops', '-1'], /--max-txn-ops: expected a non-negative integer/],
    [['--pre-vote=maybe'], /--pre-vote: expected a boolean/],
    [['--grpc-keepalive-timeout', '20 seconds'], /--grpc-keepalive-timeout: expected a duration/],
    [['--listen-client-urls', 'not a url'], /--listen-client-urls: "not a url" is not a URL/],
    [['--listen-client-urls', 'ftp://127.0.0.1:1'], /URL scheme must be http, https/],
    [['--initial-cluster-state', 'maybe'], /--initial-cluster-state: valid values are "new", "existing"/],
    [['--initial-cluster', 'nonsense'], /--initial-cluster: expected name=peer-url/],
    [['--name', 'x', '--initial-cluster', 'y=http://127.0.0.1:1'], /couldn't find local name "x"/],
    [['--heartbeat-interval', '300'], /should be at least as 5 times as --heartbeat-interval\[300ms\]/],
    [['--election-timeout', '60000'], /is too long/],
    [['--name'], /flag needs an argument: --name/],
    [['serve-me'], /'serve-me' is not a valid flag/],
    [['--name', 'a', '--name', 'b'], /--name is given more than once/],
  ];
  for (const [argv, message] of cases) {
    t.throws(() => configOf(argv), message, argv.join(' '));
    t.throws(() => configOf(argv), FlagError);
  }
});

t.test('Go durations', async (t) => {
  t.equal(parseGoDurationMs('300ms'), 300);
  t.equal(parseGoDurationMs('2h45m'), 9_900_000);
  t.equal(parseGoDurationMs('1.5s'), 1500);
  t.equal(parseGoDurationMs('-1m'), -60_000);
  t.equal(parseGoDurationMs('0'), 0);
  t.equal(parseGoDurationMs('10'), null, 'a number without a unit is not a duration');
  t.equal(parseGoDurationMs('5x'), null);
});

t.test('the reported version is package.json\'s', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { conclaveVersion } = await import('../../src/version.ts');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(conclaveVersion, pkg.version);
});
