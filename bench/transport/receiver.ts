/**
 * The receiving member of the transport benchmark, on its own worker thread:
 * a PeerTransport that counts what it is delivered and reports the running
 * total to the main thread after every delivered batch (the sender's window).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PeerTransport } from '../../actors/transport/peer-transport.ts';
import type { TransportArgs } from '../../actors/transport/transport-args.ts';

const port = parentPort;
if (port === null) throw new Error('bench/transport/receiver.ts runs as a worker thread');

let received = 0;
const transport = await PeerTransport.start(workerData as TransportArgs, {
  deliver: (messages) => {
    received += messages.length;
    port.postMessage({ type: 'received', total: received });
  },
  runCall: () => Promise.reject(new Error('the bench receiver serves no calls')),
  log: (level, message) => console.error(`receiver ${level}: ${message}`),
});
port.postMessage({ type: 'listening', port: transport.status().listening[0]?.port });
port.on('message', (message: { type: string }) => {
  if (message.type !== 'close') return;
  void transport.close().then(() => port.close());
});
