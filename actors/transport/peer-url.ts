/**
 * Peer URLs as etcd writes them ("http://10.0.0.1:2380", "https://[::1]:2380"),
 * and the source address an outbound socket should use.
 */
import { isIP } from 'node:net';

export interface PeerEndpoint {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

export function parsePeerUrl(url: string): PeerEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`peer URL ${JSON.stringify(url)} is not a URL; write it as http://host:port or https://host:port`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`peer URL ${JSON.stringify(url)} must use http:// or https://`);
  }
  if (parsed.port === '') throw new TypeError(`peer URL ${JSON.stringify(url)} needs an explicit port`);
  // URL keeps IPv6 hosts in brackets; sockets want them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(parsed.port), secure: parsed.protocol === 'https:' };
}

/**
 * The local address outbound sockets bind to: this member's first listen host
 * when it is one specific IP. The fault-injection harness runs members on
 * 127.0.0.2, 127.0.0.3, … behind a proxy on 127.0.0.1 and tells which member
 * a connection comes from by its source IP, so a member must not dial from
 * the default 127.0.0.1. A wildcard (0.0.0.0, ::) or a host name says nothing
 * about which address to use: let the kernel choose.
 */
export function sourceAddressFor(listenHost: string | undefined): string | undefined {
  if (listenHost === undefined || isIP(listenHost) === 0) return undefined;
  if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '::0') return undefined;
  return listenHost;
}
