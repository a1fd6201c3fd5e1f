/**
 * The client over TLS against a served member: https:// endpoints with a CA,
 * client-certificate auth accepted with a certificate the member trusts and
 * refused (with advice in the error) without one, the CLI's etcdctl flags
 * (--cacert, --cert, --key, --insecure-skip-tls-verify), and the option
 * checks that fail before any connection (mixed schemes, half an identity).
 *
 * Certificates are self-signed pairs from the auto-TLS helper: the member's
 * own certificate is the CA a client trusts, and the client's certificate is
 * the member's --trusted-ca-file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { ensureSelfSignedCertificate, type CertificatePair } from '../../actors/transport/auto-tls.ts';
import { runClientCommand, type CommandIo } from '../../src/cli/commands/index.ts';
import { connect, ConclaveError, type ClientTlsOptions } from '../../src/client/index.ts';
import { loadClientTls } from '../../src/server/tls-options.ts';
import { startTestServer } from '../server/helpers.ts';
import { missingProgram } from '../support/real-programs.ts';

const opensslMissing = missingProgram('/usr/bin/openssl', 'apt-get install -y openssl');

const dir = mkdtempSync(join(tmpdir(), 'conclave-client-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const pairNamed = (name: string): CertificatePair => ensureSelfSignedCertificate(join(dir, name), '/usr/bin/openssl', 'client');
const identity = (pair: CertificatePair) => ({ certPem: readFileSync(pair.certFile), keyPem: readFileSync(pair.keyFile) });
/** A failed connection is final after two attempts, so refusals show quickly. */
const quickRetry = { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 } as const;

const execFileAsync = promisify(execFile);
const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const secureListener = [{ host: '127.0.0.1', port: 0, secure: true }];

async function tlsClient(t: Tap, endpoint: string, tls: ClientTlsOptions | undefined) {
  const db = await connect({ endpoints: [endpoint], ...(tls && { tls }), retry: quickRetry, callTimeoutMs: 20_000 });
  t.teardown(() => db.close());
  return db;
}

type Tap = { teardown(fn: () => unknown): void };

/** The ConclaveError a put fails with (the test fails if it succeeds). */
async function refusal(db: { put(key: string, value: string): Promise<unknown> }): Promise<ConclaveError> {
  const error = await db.put('tls/refused', 'v').then(
    () => new Error('the put succeeded; a refusal was expected'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof ConclaveError)) throw error;
  return error;
}

function capture(): { io: CommandIo; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = {
    out: (line) => stdout.push(...line.split('\n')),
    err: (line) => stderr.push(line),
    readStdin: async () => '',
    signal: new AbortController().signal,
  };
  return { io, stdout, stderr };
}

async function cli(args: string[]) {
  const [name, ...rest] = args;
  const captured = capture();
  const code = await runClientCommand(name!, rest, captured.io);
  return { code, stdout: captured.stdout, stderr: captured.stderr };
}

t.test('options are checked before any connection', async (t) => {
  await t.rejects(connect({ endpoints: ['https://127.0.0.1:2379', 'http://127.0.0.1:22379'] }), {
    name: 'TypeError',
    message: /endpoints mix plaintext and TLS \(http:\/\/127\.0\.0\.1:22379 and https:\/\/127\.0\.0\.1:2379\)/,
  });
  await t.rejects(connect({ endpoints: ['http://127.0.0.1:2379'], tls: {} }), { name: 'TypeError', message: /the tls option was given but http:\/\/127\.0\.0\.1:2379 is plaintext/ });
  await t.rejects(connect({ endpoints: ['https://127.0.0.1:2379'], tls: { certPem: 'x' } }), { name: 'TypeError', message: /certPem and tls\.keyPem go together/ });
  await t.rejects(connect({ endpoints: ['https://127.0.0.1:2379'], tls: { caPem: 'not a certificate' } }), { name: 'TypeError', message: /^tls\.caPem is not a PEM certificate: / });
  await t.rejects(connect({ endpoints: ['https://127.0.0.1:2379', 'http://127.0.0.1:2379'] }), { name: 'EndpointError', message: /given twice with different schemes/ });
  const mixed = await cli(['get', 'k', '--endpoints=https://127.0.0.1:2379,http://127.0.0.1:22379']);
  t.equal(mixed.code, 1, 'the CLI exits 1 on mixed endpoints');
  t.match(mixed.stderr, [/^Error: endpoints mix plaintext and TLS/]);
  const absent = join(dir, 'absent.pem');
  t.same(await cli(['get', 'k', '--endpoints=https://127.0.0.1:2379', `--cacert=${absent}`]), {
    code: 1,
    stdout: [],
    stderr: [`Error: --cacert ${absent}: ENOENT: no such file or directory, open '${absent}'`],
  }, 'an unreadable --cacert names the flag and the file');
  t.match((await cli(['get', 'k', '--endpoints=https://127.0.0.1:2379', `--cert=${absent}`])).stderr, [/^Error: --cert /]);
});

t.test('a member with client-certificate auth', { skip: opensslMissing, timeout: 120_000 }, async (t) => {
  const server = pairNamed('server');
  const client = pairNamed('client');
  const stranger = pairNamed('stranger');
  const tls = loadClientTls({ certFile: server.certFile, keyFile: server.keyFile, trustedCaFile: client.certFile, clientCertAuth: true, crlFile: '' });
  const { port } = await startTestServer(t, { server: { listen: secureListener, tls } });
  const endpoint = `https://127.0.0.1:${port}`;
  const caPem = readFileSync(server.certFile, 'utf8');

  t.test('with a trusted client certificate: put, get and watch over TLS', async (t) => {
    const db = await tlsClient(t, endpoint, { caPem, ...identity(client) });
    const watch = await db.watch({ key: 'tls/', prefix: true });
    const put = await db.put('tls/k', 'v');
    t.equal(Buffer.from((await db.get('tls/k'))!.value).toString(), 'v');
    for await (const response of watch) {
      if (response.kind !== 'events') continue;
      t.same(response.events.map((event) => [event.type, event.kv.modRevision]), [['put', put.revision]], 'the watch saw the put');
      break;
    }
  });

  t.test('host:port endpoints use TLS when the tls option is given', async (t) => {
    const db = await tlsClient(t, `127.0.0.1:${port}`, { caPem, ...identity(client) });
    t.equal((await db.put('tls/schemeless', 'v')).prevKv, null);
  });

  t.test('without a client certificate the member refuses, and the error says what to give', async (t) => {
    const error = await refusal(await tlsClient(t, endpoint, { caPem }));
    t.equal(error.grpcCode, 14);
    t.match(error.message, /^No connection established/);
    t.match(error.message, /client certificate|client's certificate/, `advice in: ${error.message}`);
  });

  t.test('a certificate the member does not trust is refused', async (t) => {
    const error = await refusal(await tlsClient(t, endpoint, { caPem, ...identity(stranger) }));
    t.equal(error.grpcCode, 14);
    t.match(error.message, /certificate/, `advice in: ${error.message}`);
  });

  t.test("without the member's CA its certificate is not verified; insecureSkipVerify accepts it", async (t) => {
    const error = await refusal(await tlsClient(t, endpoint, identity(client)));
    t.match(error.message, /could not be verified: give the CA that signed it/);
    const db = await tlsClient(t, endpoint, { insecureSkipVerify: true, ...identity(client) });
    await db.put('tls/unverified', 'v');
    t.equal(Buffer.from((await db.get('tls/unverified'))!.value).toString(), 'v');
  });

  t.test('a key that does not belong to its certificate is refused up front', async (t) => {
    const mismatched = { certPem: readFileSync(client.certFile), keyPem: readFileSync(stranger.keyFile) };
    await t.rejects(connect({ endpoints: [endpoint], tls: { caPem, ...mismatched } }), { name: 'TypeError', message: /^tls options \(caPem, certPem, keyPem\) cannot be used: / });
  });

  t.test('a plaintext client gets advice to use https://', async (t) => {
    const error = await refusal(await tlsClient(t, `127.0.0.1:${port}`, undefined));
    t.match(error.message, /use https:\/\/ endpoints/);
  });

  t.test('conclave put/get --cacert --cert --key', async (t) => {
    const flags = [`--endpoints=${endpoint}`, `--cacert=${server.certFile}`, `--cert=${client.certFile}`, `--key=${client.keyFile}`];
    t.same(await cli(['put', 'tls/cli', 'hello', ...flags]), { code: 0, stdout: ['OK'], stderr: [] });
    t.same(await cli(['get', 'tls/cli', ...flags]), { code: 0, stdout: ['tls/cli', 'hello'], stderr: [] });
    const skip = [`--endpoints=${endpoint}`, '--insecure-skip-tls-verify', `--cert=${client.certFile}`, `--key=${client.keyFile}`];
    t.same((await cli(['get', 'tls/cli', ...skip])).stdout, ['tls/cli', 'hello'], '--insecure-skip-tls-verify instead of --cacert');
    const refused = await cli(['get', 'tls/cli', `--endpoints=${endpoint}`, `--cacert=${server.certFile}`, '--command-timeout=10s']);
    t.equal(refused.code, 1, 'without --cert and --key the command fails');
    t.match(refused.stderr, [/^Error: No connection established[\s\S]*(client certificate|client's certificate)/]);
  });
});

t.test('conclave get --cacert against a member without client-certificate auth', { skip: opensslMissing, timeout: 120_000 }, async (t) => {
  const server = pairNamed('server');
  const tls = loadClientTls({ certFile: server.certFile, keyFile: server.keyFile, trustedCaFile: '', clientCertAuth: false, crlFile: '' });
  const { port, db } = await startTestServer(t, { server: { listen: secureListener, tls } });
  await db.put('tls/ca-only', 'value');
  const args = ['get', 'tls/ca-only', `--endpoints=https://127.0.0.1:${port}`, `--cacert=${server.certFile}`];
  t.same(await cli(args), { code: 0, stdout: ['tls/ca-only', 'value'], stderr: [] });
  const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', cliEntry, ...args], { timeout: 60_000 });
  t.same({ stdout, stderr }, { stdout: 'tls/ca-only\nvalue\n', stderr: '' }, 'the conclave command prints the pair and nothing on stderr (no TLS server-name warning)');
});

t.test('a TLS client at a plaintext gRPC server is told it does not speak TLS', { skip: opensslMissing }, async (t) => {
  const plain = new grpc.Server();
  t.teardown(() => plain.forceShutdown());
  const port = await new Promise<number>((resolve, reject) =>
    plain.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const error = await refusal(await tlsClient(t, `https://127.0.0.1:${port}`, { caPem: readFileSync(pairNamed('server').certFile) }));
  t.match(error.message, /does not speak TLS at this address/, error.message);
});
