import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ensureSelfSignedCertificate } from '../../actors/transport/auto-tls.ts';
import { parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { serve } from '../../src/server/serve.ts';
import { clientTlsFromFlags, type ClientTlsFlags, type ClientTlsListeners } from '../../src/server/tls-flags.ts';
import { loadClientTls } from '../../src/server/tls-options.ts';
import { missingProgram } from '../support/real-programs.ts';

const opensslMissing = missingProgram('/usr/bin/openssl', 'apt-get install -y openssl');

const dir = mkdtempSync(join(tmpdir(), 'conclave-tls-flags-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const noFlags: ClientTlsFlags = { certFile: '', keyFile: '', trustedCaFile: '', clientCertAuth: false, autoTls: false, crlFile: '' };
const https: ClientTlsListeners = { clientUrls: [new URL('https://127.0.0.1:2379')], metricsUrls: [] };
const http: ClientTlsListeners = { clientUrls: [new URL('http://127.0.0.1:2379')], metricsUrls: [] };

/** Runs clientTlsFromFlags in a fresh data dir, collecting its warnings. */
function resolve(flags: Partial<ClientTlsFlags>, listeners: ClientTlsListeners) {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const warnings: string[] = [];
  const run = () => clientTlsFromFlags({ ...noFlags, ...flags }, listeners, dataDir, (message) => warnings.push(message));
  return { run, warnings, dataDir };
}

t.test('an https URL without certificate files or --auto-tls is refused in etcd words', async (t) => {
  t.throws(() => resolve({}, https).run(), {
    name: 'ClientTlsError',
    message: 'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme (or give --auto-tls)',
  });
  t.throws(() => resolve({}, { clientUrls: [], metricsUrls: [new URL('https://127.0.0.1:2381')] }).run(), { message: /for metrics url https:\/\/127\.0\.0\.1:2381/ });
});

t.test('half a pair, a missing file: refused, naming the flag', async (t) => {
  t.throws(() => resolve({ certFile: '/tls/cert.pem' }, https).run(), {
    message: 'KeyFile and CertFile must both be present[key: , cert: /tls/cert.pem]: give --cert-file and --key-file together',
  });
  const missing = join(dir, 'absent.pem');
  t.throws(() => resolve({ certFile: missing, keyFile: missing }, https).run(), { message: `--cert-file ${missing}: ENOENT: no such file or directory, open '${missing}'` });
});

t.test('http URLs ignore the TLS flags, with etcd warnings, and read no file', async (t) => {
  const { run, warnings } = resolve({ certFile: '/nowhere/cert.pem', keyFile: '/nowhere/key.pem', clientCertAuth: true }, http);
  t.equal(run(), null);
  t.same(warnings, [
    'scheme is HTTP while key and cert files are present; ignoring key and cert files (client-url http://127.0.0.1:2379)',
    'scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL (client-url http://127.0.0.1:2379)',
  ]);
  const auto = resolve({ autoTls: true }, http);
  t.equal(auto.run(), null);
  t.same(auto.warnings, ['scheme is HTTP while --auto-tls is enabled; ignoring auto TLS for this URL (client-url http://127.0.0.1:2379)']);
  t.notOk(existsSync(join(auto.dataDir, 'fixtures')), 'no certificate is made when no listener is https');
});

t.test('certificate files', { skip: opensslMissing }, async (t) => {
  const pair = ensureSelfSignedCertificate(join(dir, 'pair'));
  const other = ensureSelfSignedCertificate(join(dir, 'other'));

  t.test('win over --auto-tls, with etcd warning, and make no pair', async (t) => {
    const { run, warnings, dataDir } = resolve({ certFile: pair.certFile, keyFile: pair.keyFile, autoTls: true }, https);
    const options = run();
    t.same(options?.cert, readFileSync(pair.certFile));
    t.same(warnings, ['ignoring client auto TLS since certs given (--cert-file, --key-file)']);
    t.notOk(existsSync(join(dataDir, 'fixtures')));
  });

  t.test('a key that does not match its certificate is refused at start', async (t) => {
    t.throws(() => resolve({ certFile: pair.certFile, keyFile: other.keyFile }, https).run(), {
      name: 'ClientTlsError',
      message: new RegExp(`^client TLS cannot use --cert-file ${pair.certFile}, --key-file ${other.keyFile}: .*key values mismatch`),
    });
  });

  t.test('as in etcd, a trusted CA alone makes clients present a certificate; without one, none is asked', async (t) => {
    const base = { certFile: pair.certFile, keyFile: pair.keyFile, clientCertAuth: false, crlFile: '' };
    t.match(loadClientTls({ ...base, trustedCaFile: other.certFile }), { requestCert: true, rejectUnauthorized: true });
    t.match(loadClientTls({ ...base, trustedCaFile: '', clientCertAuth: true }), { requestCert: true, rejectUnauthorized: true });
    t.match(loadClientTls({ ...base, trustedCaFile: '' }), { requestCert: false, rejectUnauthorized: false });
  });

  t.test('a CRL without client certificate checks is warned about (and still read)', async (t) => {
    const { run, warnings } = resolve({ certFile: pair.certFile, keyFile: pair.keyFile, crlFile: '/nowhere/crl.pem' }, https);
    t.throws(run, { message: /--client-crl-file \/nowhere\/crl\.pem: ENOENT/ }, 'the file is still read');
    t.same(warnings, ['--client-crl-file has no effect without --client-cert-auth or --trusted-ca-file: clients are not asked for certificates']);
  });
});

t.test('--auto-tls makes a pair in <data-dir>/fixtures/client and asks clients for none', { skip: opensslMissing }, async (t) => {
  const { run, warnings, dataDir } = resolve({ autoTls: true, clientCertAuth: true }, https);
  const options = run();
  t.same(options?.cert, readFileSync(join(dataDir, 'fixtures', 'client', 'cert.pem')));
  t.match(options, { requestCert: false });
  t.same(warnings, ['--auto-tls makes a self-signed pair and asks clients for no certificate; ignoring --client-cert-auth, --trusted-ca-file and --client-crl-file']);
});

t.test('conclave serve refuses an https client URL without certificates before creating anything', async (t) => {
  const dataDir = join(dir, 'refused');
  const config = toServeConfig(parseServeFlags(['--name', 'refused', '--data-dir', dataDir, '--listen-client-urls', 'https://127.0.0.1:0'], {}));
  await t.rejects(
    serve(config, () => undefined),
    { name: 'ServeError', message: /^TLS key\/cert \(--cert-file, --key-file\) must be provided for client url https:\/\/127\.0\.0\.1:0 with HTTPS scheme/ },
  );
  t.notOk(existsSync(dataDir));
});
