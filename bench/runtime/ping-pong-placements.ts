/**
 * Side by side, in one run: ping-pong round trips with both actors on one
 * worker (in-thread mailbox) versus one actor per worker (ring link), plus a
 * one-way burst of sends across a ring. Suggested home: bench/runtime/ping-pong-placements.ts
 *
 *   node --import tsx bench/runtime/ping-pong-placements.ts [rounds] [burst]
 */
import { ActorSystem, type Placement } from '../../runtime/index.ts';
import type { MatchResult, PingerMessage, PongerMessage } from '../../runtime/examples/ping-pong-actors.ts';
import type { BlasterMessage } from '../../test/runtime/fixtures/blaster.ts';
import type { RecorderMessage, RecorderReport } from '../../test/runtime/fixtures/recorder.ts';

const rounds = Number(process.argv[2] ?? 20_000);
const burst = Number(process.argv[3] ?? 200_000);
const actors = new URL('../../runtime/examples/ping-pong-actors.ts', import.meta.url).href;
const fixtures = new URL('../../test/runtime/fixtures/', import.meta.url).href;

async function measure(label: string, threads: number | undefined, placement: Placement): Promise<void> {
  const system = await ActorSystem.start({ ...(threads === undefined ? {} : { threads }), placement });
  try {
    const ponger = await system.spawn<PongerMessage>({ name: 'ponger', module: actors, export: 'ponger' });
    const pinger = await system.spawn<PingerMessage>({ name: 'pinger', module: actors, export: 'pinger' });
    await pinger.ask<MatchResult>({ type: 'play', rounds: 1_000, opponent: ponger }); // warm-up
    let startedMs = performance.now();
    await pinger.ask<MatchResult>({ type: 'play', rounds, opponent: ponger }, { timeoutMs: 120_000 });
    const pingPongPerS = (rounds / (performance.now() - startedMs)) * 1000;
    await system.control.stop('ponger');
    await system.control.stop('pinger');
    const recorder = await system.spawn<RecorderMessage>({ name: 'ponger', module: `${fixtures}recorder.ts`, export: 'recorder' });
    const blaster = await system.spawn<BlasterMessage>({ name: 'pinger', module: `${fixtures}blaster.ts`, export: 'blaster' });
    startedMs = performance.now();
    await blaster.ask({ type: 'blast', target: recorder, sender: 'b', count: burst }, { timeoutMs: 120_000 });
    const report = await recorder.ask<RecorderReport>({ type: 'report' });
    const sendsPerS = (burst / (performance.now() - startedMs)) * 1000;
    if (report.received['b'] !== burst) throw new Error('burst lost messages');
    console.log(`${label.padEnd(28)} ${pingPongPerS.toFixed(0).padStart(8)} round trips/s ${sendsPerS.toFixed(0).padStart(10)} one-way sends/s`);
  } finally {
    await system.shutdown();
  }
}

console.log(`rounds=${rounds} burst=${burst}`);
await measure('same worker (single)', undefined, 'single');
await measure('two workers (per-actor)', 2, 'per-actor');
