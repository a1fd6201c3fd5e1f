import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { freePort } from '../../bench/compare/server.ts';
import { parseServeFlags } from '../../src/cli/serve/parse-flags.ts';
import { toServeConfig } from '../../src/cli/serve/serve-config.ts';
import { etcdServices } from '../../src/proto/load.ts';
import { serve } from '../../src/server/serve.ts';
import { loadClientTls } from '../../src/server/tls-options.ts';
import { opensslMissing, TestCertificateAuthority } from '../support/test-certificates.ts';
import { etcdctl, etcdctlMissing, startTestServer } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'conclave-client-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);

/** A CA; a server certificate for 127.0.0.1; two client certificates, the second revoked in crl.pem. */
function makeCertificates(): void {
  const ca = new TestCertificateAuthority(dir);
  ca.issue('server', { server: true });
  ca.issue('client', { client: true });
  ca.issue('revoked', { client: true });
  ca.revocationList(['revoked']);
}

const pem = (name: string) => readFileSync(file(name));

type Teardown = { teardown(fn: () => unknown): void };

/** An etcd3 client over TLS that gives up at once (no retries), so a refusal shows as an error quickly. */
function etcd3Tls(t: Teardown, port: number, clientCertificate: string | null): Etcd3 {
  const client = new Etcd3({
    hosts: `https://127.0.0.1:${port}`,
    credentials: {
      rootCertificate: pem('ca.pem'),
      ...(clientCertificate === null ? {} : { certChain: pem(`${clientCertificate}.pem`), privateKey: pem(`${clientCertificate}.key`) }),
    },
    defaultCallOptions: () => ({ deadline: Date.now() + 20_000 }),
  });
  t.teardown(() => client.close());
  return client;
}

/** A raw KV client (grpc-js, no retries) over TLS; `Range` on it fails with the connection's status when TLS refuses. */
async function rangeOverTls(t: Teardown, port: number, clientCertificate: string | null): Promise<{ code: number; details: string } | 'ok'> {
  const KV = grpc.makeGenericClientConstructor(etcdServices.KV, 'KV');
  const credentials =
    clientCertificate === null
      ? grpc.credentials.createSsl(pem('ca.pem'))
      : grpc.credentials.createSsl(pem('ca.pem'), pem(`${clientCertificate}.key`), pem(`${clientCertificate}.pem`));
  const client = new KV(`127.0.0.1:${port}`, credentials, { 'grpc.use_local_subchannel_pool': 1 }) as grpc.Client & Record<string, Function>;
  t.teardown(() => client.close());
  return new Promise((resolve) => {
    client['Range']!({ key: Buffer.from('k') }, { deadline: Date.now() + 20_000 }, (error: grpc.ServiceError | null) =>
      resolve(error === null ? 'ok' : { code: error.code, details: error.details }),
    );
  });
}

/** GET over HTTPS on the client port; resolves with the negotiated ALPN protocol and the JSON body. */
async function httpsGet(port: number, path: string, clientCertificate: string): Promise<{ alpn: string | false | null; body: unknown }> {
  const options: RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = {
    host: '127.0.0.1',
    port,
    path,
    ca: pem('ca.pem'),
    cert: pem(`${clientCertificate}.pem`),
    key: pem(`${clientCertificate}.key`),
    agent: false,
    // curl's and Go's offer: both protocols.
    ALPNProtocols: ['h2', 'http/1.1'],
  };
  const req = request(options);
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of response) text += chunk;
  const socket = response.socket as TLSSocket;
  return { alpn: socket.alpnProtocol ?? null, body: JSON.parse(text) };
}

/** The ALPN protocol the server picks from a client's offer. */
async function negotiatedAlpn(port: number, offer: string[], options: ConnectionOptions): Promise<string | false> {
  const socket = connect({ host: '127.0.0.1', port, ALPNProtocols: offer, ...options });
  await once(socket, 'secureConnect');
  const protocol = socket.alpnProtocol ?? false;
  socket.destroy();
  return protocol;
}

const UNAVAILABLE = grpc.status.UNAVAILABLE;

t.test('client TLS with --client-cert-auth and a CRL', { skip: opensslMissing, timeout: 120_000 }, async (t) => {
  makeCertificates();
  const tls = loadClientTls({
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    trustedCaFile: file('ca.pem'),
    clientCertAuth: true,
    crlFile: file('crl.pem'),
  });
  const secure = [{ host: '127.0.0.1', port: 0, secure: true }];
  const { port, server } = await startTestServer(t, { server: { listen: secure, metricsListen: secure, tls } });

  t.test('the etcd3 client with a CA-signed certificate puts and gets', async (t) => {
    const client = etcd3Tls(t, port, 'client');
    await client.put('tls/k').value('v');
    t.equal(await client.get('tls/k').string(), 'v');
  });

  t.test('HTTPS /health and /version share the port, over HTTP/1.1 when the client also offers h2', async (t) => {
    const health = await httpsGet(port, '/health', 'client');
    t.same(health, { alpn: 'http/1.1', body: { health: 'true' } });
    t.match((await httpsGet(port, '/version', 'client')).body, { etcdserver: String });
  });

  t.test('an https --listen-metrics-urls listener serves /health over the client TLS', async (t) => {
    const metricsPort = server.metricsAddresses()[0]!.port;
    t.same((await httpsGet(metricsPort, '/health', 'client')).body, { health: 'true' });
    t.match(await rangeOverTls(t, metricsPort, null), { code: UNAVAILABLE }, 'and demands a client certificate too');
  });

  t.test('ALPN: a gRPC client offering only h2 gets h2', async (t) => {
    const options = { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') };
    t.equal(await negotiatedAlpn(port, ['h2'], options), 'h2');
    t.equal(await negotiatedAlpn(port, ['h2', 'http/1.1'], options), 'http/1.1');
  });

  t.test('a client without a certificate is refused', async (t) => {
    t.match(await rangeOverTls(t, port, null), { code: UNAVAILABLE });
    await t.rejects(etcd3Tls(t, port, null).get('tls/k').string());
  });

  t.test('a client whose certificate the CRL revokes is refused', async (t) => {
    t.match(await rangeOverTls(t, port, 'revoked'), { code: UNAVAILABLE });
    t.equal(await rangeOverTls(t, port, 'client'), 'ok', 'while a good certificate still works');
  });

  t.test('a plain (non-TLS) gRPC client gets no answer from the TLS port', async (t) => {
    const KV = grpc.makeGenericClientConstructor(etcdServices.KV, 'KV');
    const client = new KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as grpc.Client & Record<string, Function>;
    t.teardown(() => client.close());
    const code = await new Promise<number>((resolve) => {
      client['Range']!({ key: Buffer.from('k') }, { deadline: Date.now() + 20_000 }, (error: grpc.ServiceError | null) => resolve(error?.code ?? grpc.status.OK));
    });
    t.equal(code, UNAVAILABLE);
  });

  t.test('etcdctl --cacert --cert --key', { skip: etcdctlMissing }, async (t) => {
    const endpoint = `https://127.0.0.1:${port}`;
    const auth = ['--cacert', file('ca.pem'), '--cert', file('client.pem'), '--key', file('client.key')];
    t.equal((await etcdctl(endpoint, [...auth, 'put', 'tls/ctl', 'hello'])).stdout.trim(), 'OK');
    t.equal((await etcdctl(endpoint, [...auth, 'get', 'tls/ctl', '--print-value-only'])).stdout.trim(), 'hello');
    const refused = await etcdctl(endpoint, ['--cacert', file('ca.pem'), '--dial-timeout=2s', '--command-timeout=3s', 'get', 'tls/ctl']);
    t.not(refused.code, 0, 'etcdctl without a client certificate is refused');
    t.match(refused.stderr, /all SubConns are in TransientFailure/, 'at the connection, not by a usage error');
  });
});

t.test('conclave serve --auto-tls serves https with a self-signed pair in <data-dir>/fixtures/client', { skip: opensslMissing, timeout: 120_000 }, async (t) => {
  const dataDir = join(dir, 'auto');
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const flags = parseServeFlags(
    ['--name', 'tls-auto', '--data-dir', dataDir, '--listen-client-urls', 'https://127.0.0.1:0', '--advertise-client-urls', 'https://127.0.0.1:2379',
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--heartbeat-interval', '20', '--election-timeout', '200', '--auto-tls'],
    {},
  );
  const lines: string[] = [];
  const member = await serve(toServeConfig(flags), (level, message) => lines.push(`${level} ${message}`));
  t.teardown(() => member.close());
  const port = member.server.clientAddresses()[0]!.port;
  t.match(lines.join('\n'), /ready to serve client requests on 127\.0\.0\.1:\d+ \(gRPC and HTTP, over TLS\)/);
  const certificate = readFileSync(join(dataDir, 'fixtures', 'client', 'cert.pem'));
  // Auto-TLS proves no identity: the client trusts exactly the made certificate, as etcdctl --insecure-skip-tls-verify would trust anything.
  const client = new Etcd3({ hosts: `https://127.0.0.1:${port}`, credentials: { rootCertificate: certificate } });
  t.teardown(() => client.close());
  await client.put('auto/k').value('v');
  t.equal(await client.get('auto/k').string(), 'v');
  if (!etcdctlMissing) {
    const result = await etcdctl(`https://127.0.0.1:${port}`, ['--insecure-transport=false', '--insecure-skip-tls-verify', 'get', 'auto/k', '--print-value-only']);
    t.equal(result.stdout.trim(), 'v', 'etcdctl --insecure-transport=false --insecure-skip-tls-verify');
  }
});
