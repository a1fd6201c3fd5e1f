/**
 * A benchmark thread: runs produce() or consume() on the endpoint it is given,
 * one command at a time, and reports the result. It lives for the whole
 * benchmark (thread start-up stays out of the figures) and exits on 'exit'.
 */
import { parentPort } from 'node:worker_threads';
import { consume, produce, type Endpoint, type ProduceSpec } from './endpoints.ts';

export type PeerCommand =
  | { readonly role: 'produce'; readonly spec: ProduceSpec }
  | { readonly role: 'consume'; readonly endpoint: Endpoint; readonly count: number }
  | { readonly role: 'exit' };

const port = parentPort!;
port.on('message', (command: PeerCommand) => {
  if (command.role === 'exit') {
    port.close();
    return;
  }
  const work = command.role === 'produce' ? produce(command.spec) : consume(command.endpoint, command.count);
  work.then(
    (result) => port.postMessage({ result }),
    (error: unknown) => port.postMessage({ error: String(error) }),
  );
});
