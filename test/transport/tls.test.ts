import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import t from 'tap';
import { ensureSelfSignedCertificate } from '../../actors/transport/auto-tls.ts';
import type { PeerTlsArgs } from '../../actors/transport/transport-args.ts';
import { missingProgram } from '../support/real-programs.ts';
import { heartbeat, logMatching, receivedAtLeast, startPair } from './helpers.ts';

const OPENSSL = '/usr/bin/openssl';
const skip = missingProgram(OPENSSL, 'apt-get install -y openssl');

const dir = mkdtempSync(join(tmpdir(), 'conclave-transport-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA and one member certificate it signed, valid for 127.0.0.1 as server and client. */
function makeCertificates(): { ca: string; cert: string; key: string } {
  openssl('req', '-x509', ...ecKey, '-days', '1', '-subj', '/CN=conclave-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', ...ecKey, '-subj', '/CN=member', '-keyout', 'member.key', '-out', 'member.csr');
  writeFileSync(join(dir, 'member.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl('x509', '-req', '-in', 'member.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'member.ext', '-out', 'member.pem');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'member.pem'), key: join(dir, 'member.key') };
}

t.test('TLS between members', { skip }, async (t) => {
  const files = makeCertificates();
  const tls: PeerTlsArgs = { kind: 'files', certFile: files.cert, keyFile: files.key, trustedCaFile: files.ca, clientCertAuth: true };

  t.test('mutual TLS carries messages both ways', async (t) => {
    const [first, second] = await startPair({ tls }, { tls });
    t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
    t.match(first.url, /^https:/);
    second.transport.send([heartbeat(2, 1, 1)]);
    first.transport.send([heartbeat(1, 2, 2)]);
    t.same(await receivedAtLeast(first, 1), [heartbeat(2, 1, 1)]);
    t.same(await receivedAtLeast(second, 1), [heartbeat(1, 2, 2)]);
  });

  t.test('with client-cert auth, a client without a certificate is rejected', async (t) => {
    const [first, second] = await startPair({ tls }, { tls });
    t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
    const port = first.transport.status().listening[0]?.port ?? 0;
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(files.ca) });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {
      // The server's "certificate required" alert; the test watches the server's side.
    });
    socket.resume();
    await logMatching(first, /rejected peer TLS connection from 127\.0\.0\.1:\d+: .*certificate/i);
    await closed;
    t.equal(first.transport.status().rejectedConnections, 1);
  });

  t.test('a dialer that does not trust the listener’s CA does not connect', async (t) => {
    const stranger = ensureSelfSignedCertificate(join(dir, 'stranger'));
    const distrustful: PeerTlsArgs = { ...tls, trustedCaFile: stranger.certFile };
    const [first, second] = await startPair({ tls }, { tls: distrustful });
    t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
    t.match(await second.transport.call(1, { actor: 'kv', message: { type: 'get' } }, 5_000), { callFailed: true, reason: 'unreachable' });
    await logMatching(second, /cannot reach member 1 at https:.*certificate/i);
  });
});

t.test('peer auto-TLS makes a self-signed pair once and encrypts without verifying', { skip }, async (t) => {
  const autoDir = join(dir, 'auto');
  const [first, second] = await startPair({ tls: { kind: 'auto', dir: join(autoDir, 'one') } }, { tls: { kind: 'auto', dir: join(autoDir, 'two') } });
  t.teardown(() => Promise.all([first.transport.close(), second.transport.close()]));
  second.transport.send([heartbeat(2, 1, 1)]);
  t.same(await receivedAtLeast(first, 1), [heartbeat(2, 1, 1)]);
  const pair = ensureSelfSignedCertificate(join(autoDir, 'one'));
  const before = readFileSync(pair.certFile, 'utf8');
  t.match(before, /BEGIN CERTIFICATE/);
  t.equal(readFileSync(ensureSelfSignedCertificate(join(autoDir, 'one')).certFile, 'utf8'), before, 'kept, not remade');
});

t.test('auto-TLS without openssl fails with a message that says what to do', async (t) => {
  t.throws(() => ensureSelfSignedCertificate(join(dir, 'no-openssl'), '/nonexistent/openssl'), { message: /needs the openssl command .* install openssl/ });
});
