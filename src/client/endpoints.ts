/**
 * Client endpoints as users write them for etcdctl (`127.0.0.1:2379`,
 * `http://127.0.0.1:2379`, `https://10.0.0.1:2379`, `localhost:2379`) to
 * grpc-js channel targets. An IP literal gets its `ipv4:`/`ipv6:` scheme so
 * the channel skips the DNS resolver; a host name still goes through DNS.
 *
 * The scheme is kept as written ('none' when there is none): whether a
 * schemeless endpoint speaks TLS is decided for the whole client (see
 * transport-security.ts), as etcd's clientv3 decides it from its TLS config.
 *
 * Never: accept a scheme this client cannot speak (unix sockets, anything
 * else); it must fail up front with a message, not as a connection error.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type EndpointScheme = 'http' | 'https' | 'none';

export interface ClientEndpoint {
  /** host:port, as printed back to the user. */
  readonly address: string;
  /** The grpc-js channel target. */
  readonly target: string;
  readonly scheme: EndpointScheme;
}

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

function splitScheme(text: string): { scheme: EndpointScheme; rest: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (match === null) return { scheme: 'none', rest: text };
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new EndpointError(`endpoint ${text}: scheme ${scheme}:// is not supported; use host:port, http://host:port or https://host:port`);
  }
  return { scheme, rest: match[2]!.replace(/\/$/, '') };
}

export function parseEndpoint(text: string): ClientEndpoint {
  const { scheme, rest: address } = splitScheme(text.trim());
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535 || address.includes('/')) {
    throw new EndpointError(`endpoint ${text}: expected host:port, http://host:port or https://host:port`);
  }
  if (isIPv4(host)) return { address, target: `ipv4:${address}`, scheme };
  if (host.startsWith('[') && isIPv6(host.slice(1, -1))) return { address, target: `ipv6:${address}`, scheme };
  return { address, target: address, scheme };
}

/** Parses a list; duplicates are dropped (two channels to one member would only skew the round-robin). */
export function parseEndpoints(texts: readonly string[]): ClientEndpoint[] {
  if (texts.length === 0) throw new EndpointError('at least one endpoint is required');
  const byAddress = new Map<string, ClientEndpoint>();
  for (const text of texts) {
    const endpoint = parseEndpoint(text);
    const earlier = byAddress.get(endpoint.address);
    if (earlier !== undefined && earlier.scheme !== endpoint.scheme) {
      throw new EndpointError(`endpoint ${endpoint.address} is given twice with different schemes (${earlier.scheme}, ${endpoint.scheme})`);
    }
    byAddress.set(endpoint.address, endpoint);
  }
  return [...byAddress.values()];
}
