/**
 * One TCP listener serving gRPC and plain HTTP on the same port, as etcd's
 * client port does (etcd uses cmux). Each new connection is classified by
 * its first bytes: the HTTP/2 client preface ("PRI * HTTP/2.0...") goes to
 * the gRPC server, anything else to the HTTP handler (/health, /version,
 * /metrics). The bytes read are put back and the socket itself is handed
 * over, so gRPC traffic runs on the connection directly: no relay, no copy,
 * and no cost after the first packet.
 *
 * With TLS (an https:// client URL) the listener ends TLS itself and sniffs
 * the decrypted bytes the same way, so gRPC and HTTPS share the port as in
 * etcd. ALPN prefers http/1.1: gRPC clients offer only h2 and get it, while
 * HTTP clients that offer both (curl, Go, Prometheus) get HTTP/1.1, which
 * the HTTP handler speaks (an h2 session goes whole to the gRPC server,
 * which answers only gRPC).
 *
 * Never: hold a connection that never speaks or never finishes its TLS
 * handshake (each bounded by SNIFF_TIMEOUT_MS), or buffer more than the
 * preface length while classifying.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** A client that connects and says nothing for this long is dropped. */
const SNIFF_TIMEOUT_MS = 10_000;
/** Server's ALPN preference, first match wins (see the module comment). */
const ALPN_PROTOCOLS = ['http/1.1', 'h2'];

export interface ConnectionRoutes {
  /** Takes a connection that speaks HTTP/2 (gRPC). */
  grpc(socket: Socket): void;
  /** Answers HTTP/1.x requests; null when this listener serves gRPC only. */
  http: ((request: IncomingMessage, response: ServerResponse) => void) | null;
}

/** Decides once enough bytes arrived: 'grpc', 'http', or null (need more). */
function classify(received: Buffer): 'grpc' | 'http' | null {
  const compared = Math.min(received.length, HTTP2_PREFACE.length);
  if (!received.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared))) return 'http';
  return compared === HTTP2_PREFACE.length ? 'grpc' : null;
}

export class ClientListener {
  private constructor(
    private readonly server: NetServer,
    /** Connections handed to the HTTP handler (an HTTP server that never listened does not track them). */
    private readonly httpSockets: Set<Socket>,
  ) {}

  /** Listens on host:port (port 0: any free port) and routes every connection; with `tls`, inside TLS. */
  static async listen(host: string, port: number, routes: ConnectionRoutes, tls: TlsOptions | null = null): Promise<ClientListener> {
    const httpServer = routes.http === null ? null : createHttpServer(routes.http);
    const httpSockets = new Set<Socket>();
    const toHttp = (socket: Socket, received: Buffer): void => {
      if (httpServer === null) return void socket.destroy();
      httpSockets.add(socket);
      socket.once('close', () => httpSockets.delete(socket));
      httpServer.emit('connection', socket);
      // Node's HTTP/1 parser reads the socket's handle directly and would skip a buffer: feed it the bytes instead.
      socket.emit('data', received);
    };
    const onConnection = (socket: Socket) => route(socket, routes.grpc, toHttp);
    const server =
      tls === null
        ? createNetServer(onConnection)
        : createTlsServer({ ...tls, ALPNProtocols: ALPN_PROTOCOLS, handshakeTimeout: SNIFF_TIMEOUT_MS }, onConnection);
    server.listen({ host, port });
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
    return new ClientListener(server, httpSockets);
  }

  address(): AddressInfo {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('client listener is not bound to a TCP port');
    return address;
  }

  /** Stops accepting connections and closes idle HTTP ones; gRPC connections are the gRPC server's to end. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.httpSockets) socket.destroy();
    await closed;
  }
}

function route(socket: Socket, toGrpc: (socket: Socket) => void, toHttp: (socket: Socket, received: Buffer) => void): void {
  // Replies are small and go out at once: without this, Nagle's algorithm holds each one
  // back for the client's delayed ACK (measured: ~4 ms per unary call on loopback).
  socket.setNoDelay(true);
  let received = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), SNIFF_TIMEOUT_MS);
  timer.unref();
  const stop = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
  };
  const onError = () => stop();
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const kind = classify(received);
    if (kind === null) return;
    stop();
    if (kind === 'grpc') {
      // The HTTP/2 session reads bytes left in the socket's buffer before taking over its handle.
      socket.pause();
      socket.unshift(received);
      toGrpc(socket);
    } else {
      toHttp(socket, received);
    }
  };
  socket.on('data', onData);
  socket.on('error', onError);
}
