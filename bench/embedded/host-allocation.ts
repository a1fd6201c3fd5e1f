/**
 * What one embedded put allocates on the host's thread: V8's sampling heap
 * profiler (every allocation, collected or not) over a phase of 256
 * closed-loop put callers, divided by the puts made; then the functions that
 * allocated most. Allocation drives the host's young-generation collections,
 * which show in its event-loop delay (bench:embedded's last line).
 *
 *   node --import tsx bench/embedded/host-allocation.ts [seconds]
 *
 * The callers' own keys and latency bookkeeping are counted too (they run on
 * the host's thread); the member runs on its worker (placement one-worker).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../../src/index.ts';
import { formatPhase, measurePhase } from './measure.ts';

const seconds = Number(process.argv[2] ?? 2);
if (!(seconds > 0 && seconds <= 60)) throw new RangeError(`seconds must be in (0, 60], got ${process.argv[2]}`);
const CALLERS = 256;
const SAMPLING_INTERVAL_BYTES = 2048;
const TOP_FUNCTIONS = 12;
const VALUE = new Uint8Array(256).fill(120);
const key8 = (i: number) => `k${String(i % 10_000_000).padStart(7, '0')}`;

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const dir = await mkdtemp(join(tmpdir(), 'conclave-bench-allocation-'));
const db = await open({ dir, placement: 'one-worker' });
const session = new Session();
try {
  await measurePhase('warm-up', CALLERS, 1, (i) => db.put(key8(i), VALUE));
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  const phase = await measurePhase(`put c=${CALLERS}`, CALLERS, seconds, (i) => db.put(key8(i), VALUE));
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
  const byFunction = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: ProfileNode): void => {
    const name = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;
    totalBytes += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  console.log(`command: node --import tsx bench/embedded/host-allocation.ts ${seconds}`);
  console.log(formatPhase(phase));
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS)) {
    console.log(`${(bytes / phase.latency.count).toFixed(0).padStart(6)} B/put  ${name}`);
  }
  console.log(`host allocation per put: ${(totalBytes / phase.latency.count).toFixed(0)} B`);
} finally {
  session.disconnect();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
