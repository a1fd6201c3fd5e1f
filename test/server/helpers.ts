/**
 * Shared set-up for the gRPC server tests: a member in a fresh data dir
 * served on 127.0.0.1 (free port), clients that speak to it (etcd3, raw
 * grpc-js with the project's .proto files, etcdctl), all torn down with the
 * test.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { open, type OpenOptions } from '../../src/index.ts';
import { etcdServices, type EtcdServiceName } from '../../src/proto/load.ts';
import { EtcdServer, type EtcdServerOptions } from '../../src/server/index.ts';
import { missingProgram } from '../support/real-programs.ts';

type Teardown = { teardown(fn: () => unknown): void };

/** Fast Raft timings for tests; the minimum lease TTL stays 1 s. */
export const fastTimings = { heartbeatIntervalMs: 10, electionTimeoutMs: 100 } as const;

export interface TestServer {
  readonly server: EtcdServer;
  readonly db: Awaited<ReturnType<typeof open>>;
  readonly dir: string;
  /** host:port of the client listener. */
  readonly endpoint: string;
  readonly port: number;
}

export async function startTestServer(
  t: Teardown,
  options: { open?: Partial<OpenOptions>; server?: Partial<EtcdServerOptions> } = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-server-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const db = await open({ dir, ...fastTimings, ...options.open });
  t.teardown(() => db.close());
  const server = await EtcdServer.start({
    db,
    dataDir: dir,
    member: { name: 'test-member', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'] },
    listen: [{ host: '127.0.0.1', port: 0 }],
    maxRequestBytes: options.open?.maxRequestBytes ?? 1_572_864,
    ...options.server,
  });
  // Registered after db.close: teardowns run in reverse order, so the server stops first.
  t.teardown(() => server.close());
  const port = server.clientAddresses()[0]!.port;
  return { server, db, dir, endpoint: `127.0.0.1:${port}`, port };
}

export function etcd3Client(t: Teardown, endpoint: string): Etcd3 {
  const client = new Etcd3({ hosts: endpoint });
  t.teardown(() => client.close());
  return client;
}

/** A grpc-js client for one etcd service, using Conclave's own .proto files. */
export function rawClient(t: Teardown, service: EtcdServiceName, endpoint: string): grpc.Client & Record<string, Function> {
  const Constructor = grpc.makeGenericClientConstructor(etcdServices[service], service);
  const client = new Constructor(endpoint, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  t.teardown(() => client.close());
  return client as grpc.Client & Record<string, Function>;
}

/** Calls a unary method of a raw client. */
export function callUnary<Res>(client: grpc.Client & Record<string, Function>, method: string, request: unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    client[method]!(request, { deadline: Date.now() + 30_000 }, (error: grpc.ServiceError | null, response: Res) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** The status a rejected call carried. */
export async function statusOf(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return { code, details };
  }
  throw new Error('the call succeeded; a refusal was expected');
}

/** Awaits `predicate` on the server's stream registry, re-checked on every change; bounded. */
export async function untilStreams(server: EtcdServer, predicate: (counts: ReturnType<EtcdServer['streamCounts']>) => boolean, timeoutMs = 30_000) {
  const deadline = AbortSignal.timeout(timeoutMs);
  while (!predicate(server.streamCounts())) {
    await once(server.streams, 'change', { signal: deadline });
  }
}

export const etcdctlPath = '/usr/bin/etcdctl';
export const etcdctlMissing = missingProgram(etcdctlPath, 'apt-get install -y etcd-client');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs etcdctl (API v3) against `endpoint`; bounded by `timeoutMs`. */
export function etcdctl(endpoint: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child: ChildProcess = execFile(
      etcdctlPath,
      ['--endpoints', endpoint, '--command-timeout=30s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

const decoder = new TextDecoder();
export const text = (bytes: Uint8Array | null | undefined) => (bytes === null || bytes === undefined ? undefined : decoder.decode(bytes));
export const bytes = (value: string) => Buffer.from(value);
