/**
 * A TCP proxy in front of one member's peer port, so tests can cut the
 * network between members of a local cluster. The member advertises the
 * proxy's 127.0.0.1 port; every peer dials the proxy, which forwards to the
 * member's real listen address. The sender of a connection is known from its
 * source address: each member listens (and, for Conclave, dials) from its own
 * 127.0.0.x, so `sourceHosts` maps that address back to a member name.
 *
 * Blocking a sender destroys its open connections and blackholes new ones
 * (accepted, then neither forwarded nor answered, like packets dropped on the
 * floor) until healed; healing closes the blackholed sockets so the sender
 * redials. The proxy must never pass a byte from a blocked sender, and never
 * reorder or drop bytes on a connection it forwards.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { once } from 'node:events';

/** Connections held per proxy (forwarded pairs + blackholed); beyond it new ones are refused. */
const maxConnections = 512;
const connectTimeoutMs = 2_000;

export interface PeerProxyOptions {
  /** The member this proxy stands in front of (labels only). */
  readonly target: string;
  readonly listenHost: string;
  /** 0 picks a free port. */
  readonly listenPort: number;
  readonly forwardHost: string;
  readonly forwardPort: number;
  /** Source address -> member name, to tell who dialed. */
  readonly sourceHosts: ReadonlyMap<string, string>;
}

interface Connection {
  readonly from: string | null;
  readonly sockets: Socket[];
}

export class PeerProxy {
  readonly target: string;
  readonly #server: Server;
  readonly #options: PeerProxyOptions;
  readonly #blockedSenders = new Set<string>();
  readonly #connections = new Set<Connection>();
  #port = 0;

  private constructor(options: PeerProxyOptions) {
    this.target = options.target;
    this.#options = options;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async start(options: PeerProxyOptions): Promise<PeerProxy> {
    const proxy = new PeerProxy(options);
    proxy.#server.listen(options.listenPort, options.listenHost);
    await Promise.race([
      once(proxy.#server, 'listening'),
      once(proxy.#server, 'error').then(([error]) => {
        throw new Error(`peer proxy for ${options.target}: cannot listen on ${options.listenHost}:${options.listenPort}: ${(error as Error).message}`);
      }),
    ]);
    const address = proxy.#server.address();
    if (address === null || typeof address === 'string') throw new Error('peer proxy has no TCP address');
    proxy.#port = address.port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${this.#options.listenHost}:${this.#port}`;
  }

  /** Open connections, forwarded or blackholed (for tests and reports). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  isBlocked(from: string): boolean {
    return this.#blockedSenders.has(from);
  }

  /** Cuts `from` -> this member: destroys its connections, blackholes new ones. */
  block(from: string): void {
    this.#blockedSenders.add(from);
    for (const connection of this.#connections) {
      if (connection.from === from) this.#close(connection);
    }
  }

  /** Lets every sender through again; blackholed sockets are closed so senders redial. */
  heal(): void {
    if (this.#blockedSenders.size === 0) return;
    const blocked = new Set(this.#blockedSenders);
    this.#blockedSenders.clear();
    for (const connection of this.#connections) {
      if (connection.from !== null && blocked.has(connection.from)) this.#close(connection);
    }
  }

  async close(): Promise<void> {
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const connection of this.#connections) this.#close(connection);
    await closed;
  }

  #accept(socket: Socket): void {
    const from = this.#senderOf(socket);
    if (this.#connections.size >= maxConnections) {
      socket.destroy();
      return;
    }
    const connection: Connection = { from, sockets: [socket] };
    this.#connections.add(connection);
    socket.on('error', () => this.#close(connection));
    socket.on('close', () => this.#close(connection));
    if (from !== null && this.#blockedSenders.has(from)) {
      // Blackhole: read and discard, never answer, until healed.
      socket.on('data', () => undefined);
      return;
    }
    const upstream = connect({ host: this.#options.forwardHost, port: this.#options.forwardPort, timeout: connectTimeoutMs });
    connection.sockets.push(upstream);
    upstream.once('connect', () => upstream.setTimeout(0));
    upstream.once('timeout', () => this.#close(connection));
    upstream.on('error', () => this.#close(connection));
    upstream.on('close', () => this.#close(connection));
    socket.setNoDelay(true);
    upstream.setNoDelay(true);
    socket.pipe(upstream);
    upstream.pipe(socket);
  }

  #senderOf(socket: Socket): string | null {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    return this.#options.sourceHosts.get(address) ?? null;
  }

  #close(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    for (const socket of connection.sockets) socket.destroy();
  }
}
