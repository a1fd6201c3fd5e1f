/**
 * The listening side: one TCP (or TLS) server per listen address, each
 * accepted socket handed to an InboundConnection. It tracks every raw socket,
 * including those still in their TLS handshake, so close() can end them all
 * and resolve only when nothing is left open.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { InboundConnection, type InboundHooks, type InboundOptions } from './inbound-connection.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export class PeerListener {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  #addresses: ListenAddress[] = [];

  private constructor() {}

  /** Binds every address (all or nothing) and starts accepting. */
  static async start(
    addresses: readonly ListenAddress[],
    tls: TlsOptions | null,
    options: InboundOptions,
    hooks: InboundHooks & { readonly onTlsError: (remote: string, error: Error) => void },
  ): Promise<PeerListener> {
    const listener = new PeerListener();
    const accept = (socket: Socket) => new InboundConnection(socket, options, hooks);
    try {
      for (const address of addresses) {
        const server = tls === null ? createTcpServer(accept) : createTlsServer(tls, accept);
        if (tls !== null) {
          server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
            // A certificate that fails verification (revoked, unknown CA) surfaces only as "socket hang up"; the verification error says why.
            const cause = socket.authorizationError ? new Error(`the dialer's certificate was refused: ${String(socket.authorizationError)}`) : error;
            hooks.onTlsError(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, cause);
          });
        }
        server.on('connection', (socket: Socket) => {
          listener.#sockets.add(socket);
          socket.once('close', () => listener.#sockets.delete(socket));
        });
        listener.#servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(address.port, address.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        const bound = server.address() as AddressInfo;
        listener.#addresses.push({ host: address.host, port: bound.port });
      }
    } catch (error) {
      await listener.close();
      throw error;
    }
    return listener;
  }

  get addresses(): readonly ListenAddress[] {
    return this.#addresses;
  }

  /** Stops accepting, destroys every accepted socket, resolves when all are closed. */
  async close(): Promise<void> {
    const closing = this.#servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(closing);
  }
}
