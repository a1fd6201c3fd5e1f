/**
 * Runnable example: two user-defined actors on two worker threads playing
 * ping-pong through the runtime's rings.
 *
 *   node --import tsx runtime/examples/ping-pong.ts [rounds]
 */
import { ActorSystem } from '../index.ts';
import type { MatchResult, PingerMessage, PongerMessage } from './ping-pong-actors.ts';

const rounds = Number(process.argv[2] ?? 10_000);
const actors = new URL('./ping-pong-actors.ts', import.meta.url).href;

const system = await ActorSystem.start({ threads: 2, placement: 'per-actor' });
try {
  const ponger = await system.spawn<PongerMessage>({ name: 'ponger', module: actors, export: 'ponger' });
  const pinger = await system.spawn<PingerMessage>({ name: 'pinger', module: actors, export: 'pinger' });
  const startedMs = performance.now();
  const result = await pinger.ask<MatchResult>({ type: 'play', rounds, opponent: ponger }, { timeoutMs: 60_000 });
  const elapsedMs = performance.now() - startedMs;
  console.log(`pinger on thread ${result.pingerThread}, ponger on thread ${result.pongerThread}`);
  console.log(`${result.rounds} round trips in ${elapsedMs.toFixed(0)} ms (${((result.rounds / elapsedMs) * 1000).toFixed(0)} round trips/s)`);
} finally {
  await system.shutdown();
}
