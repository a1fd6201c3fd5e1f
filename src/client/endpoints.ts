/**
 * Client endpoints as users write them for etcdctl (`127.0.0.1:2379`,
 * `http://127.0.0.1:2379`, `localhost:2379`) to grpc-js channel targets.
 * An IP literal gets its `ipv4:`/`ipv6:` scheme so the channel skips the DNS
 * resolver; a host name still goes through DNS.
 *
 * Never: accept https:// silently. This client speaks plaintext only, and a
 * TLS endpoint must fail up front with a message, not as a handshake error.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface ClientEndpoint {
  /** host:port, as printed back to the user. */
  readonly address: string;
  /** The grpc-js channel target. */
  readonly target: string;
}

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

export function parseEndpoint(text: string): ClientEndpoint {
  const trimmed = text.trim();
  if (trimmed.startsWith('https://') || trimmed.startsWith('unixs://')) {
    throw new EndpointError(`endpoint ${text}: TLS is not supported by this client yet; use a plaintext (http://) endpoint`);
  }
  const address = trimmed.startsWith('http://') ? trimmed.slice('http://'.length).replace(/\/$/, '') : trimmed;
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535 || address.includes('/')) {
    throw new EndpointError(`endpoint ${text}: expected host:port or http://host:port`);
  }
  if (isIPv4(host)) return { address, target: `ipv4:${address}` };
  if (host.startsWith('[') && isIPv6(host.slice(1, -1))) return { address, target: `ipv6:${address}` };
  return { address, target: address };
}

/** Parses a list; duplicates are dropped (two channels to one member would only skew the round-robin). */
export function parseEndpoints(texts: readonly string[]): ClientEndpoint[] {
  if (texts.length === 0) throw new EndpointError('at least one endpoint is required');
  const byAddress = new Map<string, ClientEndpoint>();
  for (const text of texts) {
    const endpoint = parseEndpoint(text);
    byAddress.set(endpoint.address, endpoint);
  }
  return [...byAddress.values()];
}
