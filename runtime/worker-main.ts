/**
 * The body of every actor worker thread: builds the thread's runtime from the
 * boot data, takes over the actors it adopts, joins the rings to its peers and
 * exposes the control API through comlink on the dedicated control port.
 * Reports (crashes, refused messages) go to the main thread on parentPort.
 *
 * Loaded by worker-entry.mjs (which makes sure TypeScript can load here).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { behaviourFactoryFor } from './behaviour-loader.ts';
import type { WorkerBoot } from './control-protocol.ts';
import { setOwnThreadNice } from './thread-priority.ts';
import { ThreadRuntime } from './thread-runtime.ts';
import { createWorkerControl } from './worker-control.ts';

const boot = workerData as WorkerBoot;
if (parentPort === null) throw new Error('worker-main.ts must run inside a worker thread');
const toSupervisor = parentPort;

// Before any actor runs, so no message is handled at the wrong priority.
const niceOutcome = boot.nice === 0 ? null : setOwnThreadNice(boot.nice);
if (niceOutcome !== null && !niceOutcome.applied && process.platform === 'linux') {
  process.emitWarning(`actor worker ${boot.threadIndex}: workerNice ${boot.nice} not applied: ${niceOutcome.reason}`, 'ConclaveRuntimeWarning');
}

const runtime = new ThreadRuntime(boot.threadIndex, boot.limits, (report) => toSupervisor.postMessage(report));
runtime.applyDirectory(boot.directory);
for (const spec of boot.adopt) runtime.placeLocal(spec.name, behaviourFactoryFor(spec));
for (const rings of boot.peers) runtime.attachPeer(rings.peer, rings.outbound, rings.inbound);
Comlink.expose(createWorkerControl(runtime), nodeEndpoint(boot.controlPort));
