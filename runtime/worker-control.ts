/**
 * The control API a worker thread exposes to the ActorSystem through comlink:
 * spawn, restart, stop, peer wiring and counters. It translates between the
 * control protocol and the thread's runtime, turning thrown errors into wire
 * data so their types survive the trip. Never used on the message hot path.
 */
import { behaviourFactoryFor } from './behaviour-loader.ts';
import type { ControlResult, WorkerControlApi } from './control-protocol.ts';
import { toWireError } from './errors.ts';
import type { ThreadRuntime } from './thread-runtime.ts';

export function createWorkerControl(runtime: ThreadRuntime): WorkerControlApi {
  return {
    spawn: (spec) => settle(spec.name, runtime.spawnLocal(spec.name, behaviourFactoryFor(spec))),
    restart: (name) => settle(name, runtime.restartLocal(name)),
    restartNow: (name) => settle(name, runtime.suspendAndRestartLocal(name)),
    stop: (name) => runtime.stopLocal(name),
    applyDirectory: (changes) => runtime.applyDirectory(changes),
    attachPeer: (rings) => runtime.attachPeer(rings.peer, rings.outbound, rings.inbound),
    peerDown: (peer) => runtime.peerDown(peer),
    counters: () => ({ actors: runtime.actorCounters(), links: runtime.linkCounters() }),
    close: () => runtime.close(),
  };
}

async function settle(actor: string, operation: Promise<void>): Promise<ControlResult<null>> {
  try {
    await operation;
    return { ok: true, value: null };
  } catch (error) {
    return { ok: false, error: toWireError(error, actor) };
  }
}
