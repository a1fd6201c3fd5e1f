/**
 * `conclave serve --config-file` (and ETCD_CONFIG_FILE) reads etcd's YAML
 * configuration: keys are the flag names, TLS sits in the nested
 * client-/peer-transport-security objects, and the file replaces every other
 * flag and ETCD_* variable, as in etcd 3.4.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FlagError, parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'conclave-config-file-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `yaml` to a fresh file and returns its path. */
function configFile(yaml: string): string {
  const path = join(dir, `etcd-${++fileCount}.conf.yml`);
  writeFileSync(path, yaml);
  return path;
}

const fromFile = (yaml: string, argv: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  parseServeFlags(['--config-file', configFile(yaml), ...argv], env);

const memberYaml = `
name: infra1
data-dir: /var/lib/conclave/infra1
listen-client-urls: http://127.0.0.1:12379,http://127.0.0.1:12479
advertise-client-urls: http://127.0.0.1:12379
listen-peer-urls: http://127.0.0.1:12380
initial-advertise-peer-urls: http://127.0.0.1:12380
initial-cluster: infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380
initial-cluster-state: existing
initial-cluster-token: token-7
heartbeat-interval: 50
election-timeout: 500
snapshot-count: 2500
quota-backend-bytes: 8589934592
pre-vote: false
auto-compaction-retention: 1
grpc-keepalive-interval: 90000000000
grpc-keepalive-timeout: 7s
client-transport-security:
  cert-file: /tls/server.pem
  key-file: /tls/server-key.pem
  client-cert-auth: true
  trusted-ca-file: /tls/ca.pem
peer-transport-security:
  cert-file: /tls/peer.pem
  key-file: /tls/peer-key.pem
  client-cert-auth: on
  auto-tls: false
`;

t.test('a config file sets the member: name, data dir, URLs, cluster, timings, TLS', async (t) => {
  const flags = fromFile(memberYaml);
  const config = toServeConfig(flags);
  t.equal(config.name, 'infra1');
  t.equal(config.dataDir, '/var/lib/conclave/infra1');
  t.same(config.listenClientUrls.map(String), ['http://127.0.0.1:12379/', 'http://127.0.0.1:12479/']);
  t.same(config.advertiseClientUrls.map(String), ['http://127.0.0.1:12379/']);
  t.same(config.listenPeerUrls.map(String), ['http://127.0.0.1:12380/']);
  t.same(config.initialAdvertisePeerUrls.map(String), ['http://127.0.0.1:12380/']);
  t.same([...config.initialCluster.keys()], ['infra1', 'infra2']);
  t.equal(config.initialClusterState, 'existing');
  t.equal(config.initialClusterToken, 'token-7');
  t.equal(config.heartbeatIntervalMs, 50);
  t.equal(config.electionTimeoutMs, 500);
  t.equal(config.snapshotCountEntries, 2500);
  t.equal(config.quotaBackendBytes, 8_589_934_592);
  t.equal(config.preVote, false);
  t.equal(config.autoCompaction.retention, '1', 'a YAML number for a string key is taken as written, as etcd does');
  t.equal(config.grpcKeepalive.intervalMs, 90_000, 'etcd writes durations as integer nanoseconds');
  t.equal(config.grpcKeepalive.timeoutMs, 7000, 'a Go duration string is taken too');
  t.same(config.clientTls, { certFile: '/tls/server.pem', keyFile: '/tls/server-key.pem', trustedCaFile: '/tls/ca.pem', clientCertAuth: true, autoTls: false, crlFile: '' });
  t.same(config.peerTls, { certFile: '/tls/peer.pem', keyFile: '/tls/peer-key.pem', trustedCaFile: '', clientCertAuth: true, autoTls: false, crlFile: '' }, 'YAML 1.1 "on" is true, as in etcd');
  t.same(flags.warnings, [], 'nothing to warn about');
});

t.test('empty keys (etcd\'s sample file leaves many empty) and an empty file mean the defaults', async (t) => {
  const config = toServeConfig(fromFile('name: solo\ndata-dir:\ninitial-cluster:\nclient-transport-security:\n  cert-file:\n'));
  t.equal(config.name, 'solo');
  t.equal(config.dataDir, 'solo.conclave');
  t.same(config.initialCluster.get('solo')?.map(String), ['http://127.0.0.1:2380/'], 'initial cluster derived from the name, as with flags');
  t.equal(config.clientTls.certFile, '');
  t.equal(toServeConfig(fromFile('')).name, 'default');
});

t.test('etcd key names that differ from the flag, and lists', async (t) => {
  const flags = fromFile('backend-bbolt-freelist-type: map\nlog-outputs: [stderr, stdout]\ncors: "http://a.example,http://b.example"\n');
  t.equal(flags.values.get('experimental-backend-bbolt-freelist-type'), 'map');
  t.same(flags.values.get('log-outputs'), ['stderr', 'stdout']);
  t.same(flags.values.get('cors'), ['http://a.example', 'http://b.example']);
  const peer = fromFile('peer-transport-security:\n  allowed-cn: [node-a, node-b]\n  skip-client-san-verification: true\n');
  t.same(peer.values.get('peer-cert-allowed-cn'), ['node-a', 'node-b']);
  t.equal(peer.values.get('experimental-peer-skip-client-san-verification'), true);
});

t.test('keys without effect in Conclave are named once, as the file spells them', async (t) => {
  const path = configFile('enable-v2: true\npeer-transport-security:\n  allowed-cn: [node-a]\n');
  const flags = parseServeFlags(['--config-file', path], {});
  t.same(flags.warnings, [
    `key "enable-v2" in ${path} (line 1) is accepted for etcd compatibility and has no effect in Conclave`,
    `key "peer-transport-security.allowed-cn" in ${path} (line 3) is accepted for etcd compatibility and has no effect in Conclave`,
  ]);
});

t.test('with a config file, other flags and ETCD_* variables are ignored, each named in one warning', async (t) => {
  const path = configFile('name: from-file\n');
  const flags = parseServeFlags(['--name', 'from-flag', '--config-file', path, '--max-txn-ops', '7'], { ETCD_DATA_DIR: '/from/env', ETCD_NAME: 'from-env', PATH: '/bin' });
  const config = toServeConfig(flags);
  t.equal(config.name, 'from-file');
  t.equal(config.dataDir, 'from-file.conclave');
  t.equal(config.maxTxnOps, 128);
  t.same(flags.warnings, [
    `configuration is read from ${path}, so these command-line flags and environment variables are ignored: --name, --max-txn-ops, ETCD_DATA_DIR, ETCD_NAME`,
  ]);
});

t.test('ETCD_CONFIG_FILE names the file when the flag does not; the flag wins over it', async (t) => {
  const envPath = configFile('name: from-env-file\n');
  const viaEnv = parseServeFlags([], { ETCD_CONFIG_FILE: envPath });
  t.equal(toServeConfig(viaEnv).name, 'from-env-file');
  t.same(viaEnv.warnings, [], 'the variable that names the file is not "ignored"');
  const flagPath = configFile('name: from-flag-file\n');
  const both = parseServeFlags(['--config-file', flagPath], { ETCD_CONFIG_FILE: envPath });
  t.equal(toServeConfig(both).name, 'from-flag-file');
  t.match(both.warnings.join('\n'), /ignored: ETCD_CONFIG_FILE$/);
});

t.test('--version prints the version without reading the config file, as etcd does', async (t) => {
  const config = toServeConfig(parseServeFlags(['--version', '--config-file', join(dir, 'absent.yml')], {}));
  t.equal(config.printVersion, true);
});

t.test('unknown keys are ignored with a warning naming each, not refused', async (t) => {
  const path = configFile('name: n1\nnot-an-etcd-key: 1\ncert-file: /tls/server.pem\nclient-crl-file: /tls/crl.pem\nclient-transport-security:\n  crl-file: /tls/crl.pem\nexperimental-backend-bbolt-freelist-type: map\n');
  const flags = parseServeFlags(['--config-file', path], {});
  t.equal(toServeConfig(flags).name, 'n1');
  t.same(flags.warnings, [
    `ignoring unknown key "not-an-etcd-key" in ${path} (line 2)`,
    `ignoring unknown key "cert-file" in ${path} (line 3) (etcd reads it as client-transport-security.cert-file)`,
    `ignoring unknown key "client-crl-file" in ${path} (line 4) (--client-crl-file cannot be set from an etcd config file)`,
    `ignoring unknown key "client-transport-security.crl-file" in ${path} (line 6)`,
    `ignoring unknown key "experimental-backend-bbolt-freelist-type" in ${path} (line 7) (etcd reads it as backend-bbolt-freelist-type)`,
  ]);
  t.equal(toServeConfig(flags).clientTls.certFile, '', 'a top-level cert-file sets nothing');
});

t.test('a missing file, bad YAML or a value of the wrong type stops serve, naming the file and key', async (t) => {
  const missing = join(dir, 'absent.yml');
  t.throws(() => parseServeFlags(['--config-file', missing], {}), new FlagError(`cannot read config file ${missing}: ENOENT: no such file or directory, stat '${missing}'`));
  const cases: Array<[string, RegExp]> = [
    ['name: [unclosed\n', /^config file .*etcd-\d+\.conf\.yml: invalid YAML at line \d+: /],
    ['name: a\nname: b\n', /invalid YAML at line 2: Map keys must be unique/],
    ['- name\n- data-dir\n', /expected a mapping of etcd configuration keys at the top level/],
    ['heartbeat-interval: "100"\n', /key "heartbeat-interval" in .*\.yml \(line 1\): expected an integer, got string "100"/],
    ['election-timeout: 1.5\n', /key "election-timeout" in .* \(line 1\): expected an integer, got number "1.5"/],
    ['pre-vote: "false"\n', /key "pre-vote" in .* \(line 1\): expected a boolean \(true or false\), got string "false"/],
    ['listen-client-urls: [http://127.0.0.1:1]\n', /key "listen-client-urls" in .*: expected a comma-separated string of URLs, got a list or mapping/],
    ['name: {first: a}\n', /key "name" in .*: expected a string, got a list or mapping/],
    ['grpc-keepalive-time: 1\ngrpc-keepalive-timeout: true\n', /key "grpc-keepalive-timeout" in .* \(line 2\): expected an integer number of nanoseconds/],
    ['client-transport-security: yes\n', /key "client-transport-security" in .*: expected a mapping/],
    ['peer-transport-security:\n  client-cert-auth: "true"\n', /key "peer-transport-security.client-cert-auth" in .* \(line 2\): expected a boolean/],
  ];
  for (const [yaml, message] of cases) {
    t.throws(() => fromFile(yaml), message, yaml);
    t.throws(() => fromFile(yaml), FlagError);
  }
});

t.test('values of the right type still go through the flag checks, which name the key', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['listen-client-urls: not a url\n', /invalid value "not a url" for key "listen-client-urls" in .*\.yml \(line 1\): "not a url" is not a URL/],
    ['snapshot-count: -1\n', /invalid value "-1" for key "snapshot-count" in .*: expected a non-negative integer/],
    ['initial-cluster-state: maybe\n', /for key "initial-cluster-state" in .*: valid values are "new", "existing"/],
    ['quota-backend-bytes: 99999999999999999999\n', /invalid value "99999999999999999999" for key "quota-backend-bytes"/],
    ['grpc-keepalive-timeout: soon\n', /for key "grpc-keepalive-timeout" in .*: expected a duration/],
    ['heartbeat-interval: 300\n', /should be at least as 5 times as --heartbeat-interval\[300ms\]/],
  ];
  for (const [yaml, message] of cases) {
    t.throws(() => toServeConfig(fromFile(yaml)), message, yaml);
  }
});
