/**
 * `node --import tsx bench/compare/generator-vs-etcd3.ts [rounds] [opsPerRound]`
 *
 * Puts the load generator side by side with the `etcd3` client library —
 * the client REFERENCE.md's etcd figures were taken with — against one real
 * etcd, alternating rounds so machine noise hits both alike. Same workload for
 * both: puts of 8-byte random keys (key space 10,000) with 256-byte values,
 * 1 and 64 in flight, one connection, on this thread. It answers one
 * question: are our figures comparable with REFERENCE.md's, or does the
 * generator itself change them? Reports ops/s and client CPU per operation.
 */
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { defaultOptions, runBench } from '../../src/bench/index.ts';
import { makeTarget, defaultEtcdBinary } from './targets.ts';

const rounds = Number(process.argv[2] ?? 3);
const opsPerRound = Number(process.argv[3] ?? 10_000);
if (!(rounds >= 1 && rounds <= 20 && opsPerRound >= 100 && opsPerRound <= 1_000_000)) {
  throw new Error('usage: generator-vs-etcd3.ts [rounds 1..20] [opsPerRound 100..1000000]');
}
const keySpace = 10_000;

interface Figure {
  opsPerSec: number;
  cpuMicrosPerOp: number;
}

async function etcd3Puts(endpoint: string, inFlight: number): Promise<Figure> {
  const client = new Etcd3({ hosts: endpoint });
  const value = randomBytes(256);
  try {
    await client.put('warm-up').value('x');
    let issued = 0;
    const cpuStart = process.cpuUsage();
    const startMs = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (issued < opsPerRound) {
          issued++;
          await client.put(String(Math.floor(Math.random() * keySpace)).padStart(8, '0')).value(value);
        }
      }),
    );
    const elapsedMs = performance.now() - startMs;
    const cpu = process.cpuUsage(cpuStart);
    return { opsPerSec: (opsPerRound / elapsedMs) * 1000, cpuMicrosPerOp: (cpu.user + cpu.system) / opsPerRound };
  } finally {
    client.close();
  }
}

async function generatorPuts(host: string, port: number, inFlight: number): Promise<Figure> {
  const result = await runBench({
    ...defaultOptions,
    endpoints: [{ host, port }],
    clients: inFlight,
    conns: 1,
    keySpace,
    stop: { kind: 'total', ops: opsPerRound },
  });
  if (result.errors !== 0) throw new Error(`generator run had ${result.errors} errors`);
  const cpuMs = result.generatorCpu.userMs + result.generatorCpu.systemMs;
  return { opsPerSec: result.opsPerSec, cpuMicrosPerOp: (cpuMs * 1000) / result.ops };
}

const target = makeTarget('etcd', { etcdBinary: defaultEtcdBinary });
const unavailable = target.unavailableReason();
if (unavailable !== null) {
  console.error(unavailable);
  process.exit(1);
}
const server = await target.start();
try {
  console.log(`| round | in flight | etcd3 ops/s | generator ops/s | ratio | etcd3 CPU µs/op | generator CPU µs/op |`);
  console.log(`|---:|---:|---:|---:|---:|---:|---:|`);
  for (let round = 1; round <= rounds; round++) {
    for (const inFlight of [1, 64]) {
      const a = await etcd3Puts(`${server.host}:${server.clientPort}`, inFlight);
      const b = await generatorPuts(server.host, server.clientPort, inFlight);
      console.log(
        `| ${round} | ${inFlight} | ${a.opsPerSec.toFixed(0)} | ${b.opsPerSec.toFixed(0)} | ${(b.opsPerSec / a.opsPerSec).toFixed(2)}x | ` +
          `${a.cpuMicrosPerOp.toFixed(0)} | ${b.cpuMicrosPerOp.toFixed(0)} |`,
      );
    }
  }
} finally {
  await server.stop();
}
