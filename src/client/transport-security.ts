/**
 * Plaintext or TLS for the client's channels, decided once for the whole
 * client from its endpoints and its `tls` option, as etcd's clientv3 does:
 * `https://` endpoints speak TLS (the system's root CAs verify the member
 * unless a CA is given), `http://` endpoints speak plaintext, and endpoints
 * written without a scheme follow the `tls` option.
 *
 * One client speaks one way: a list mixing `http://` and `https://` (or
 * `http://` with a `tls` option) is refused with a TypeError that names the
 * endpoints, since a member that answers in plaintext among TLS members is
 * more likely a typo than a design, and a silent downgrade is a leak.
 *
 * Certificates are given as PEM contents, not file paths, so the library
 * never touches the file system on its own; the CLI reads `--cacert`,
 * `--cert` and `--key` from files.
 *
 * Never: turn off verification unless `insecureSkipVerify` says so, or
 * accept half a client identity (a certificate without its key).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ClientEndpoint } from './endpoints.ts';

export type PemInput = string | Uint8Array;

export interface ClientTlsOptions {
  /** PEM CA certificate(s) the members' certificates must chain to. Default: Node's bundled root CAs. */
  readonly caPem?: PemInput;
  /** PEM certificate (chain) proving this client's identity, for members started with --client-cert-auth or --trusted-ca-file. Give with keyPem. */
  readonly certPem?: PemInput;
  /** PEM private key of certPem. */
  readonly keyPem?: PemInput;
  /** Accept any member certificate (no chain or name check): encryption without identity, e.g. for members on --auto-tls. */
  readonly insecureSkipVerify?: boolean;
}

const toBuffer = (pem: PemInput | undefined, field: string): Buffer | null => {
  if (pem === undefined) return null;
  if (typeof pem !== 'string' && !(pem instanceof Uint8Array)) throw new TypeError(`tls.${field} must be PEM text (a string or bytes)`);
  if (pem.length === 0) throw new TypeError(`tls.${field} is empty`);
  return typeof pem === 'string' ? Buffer.from(pem, 'utf8') : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
};

function checkPem(pem: Buffer | null, field: string, parse: (pem: Buffer) => unknown): void {
  if (pem === null) return;
  try {
    parse(pem);
  } catch (error) {
    throw new TypeError(`tls.${field} is not a PEM ${field === 'keyPem' ? 'private key' : 'certificate'}: ${(error as Error).message}`);
  }
}

/** Whether the client speaks TLS; a TypeError when the endpoints and the tls option do not agree on one way. */
function usesTls(endpoints: readonly ClientEndpoint[], tlsGiven: boolean): boolean {
  const plain = endpoints.filter((endpoint) => endpoint.scheme === 'http').map((endpoint) => `http://${endpoint.address}`);
  const secure = endpoints.filter((endpoint) => endpoint.scheme === 'https').map((endpoint) => `https://${endpoint.address}`);
  if (plain.length > 0 && secure.length > 0) {
    throw new TypeError(`endpoints mix plaintext and TLS (${plain.join(', ')} and ${secure.join(', ')}): one client speaks one way; use https:// for every endpoint or for none`);
  }
  if (plain.length > 0 && tlsGiven) {
    throw new TypeError(`the tls option was given but ${plain.join(', ')} is plaintext: write https:// endpoints (or host:port) to use TLS, or drop the tls option`);
  }
  return tlsGiven || secure.length > 0;
}

export interface TransportSecurity {
  /** What every channel of the client is created with. */
  readonly credentials: grpc.ChannelCredentials;
  /** True for TLS. */
  readonly secure: boolean;
}

export function transportSecurity(endpoints: readonly ClientEndpoint[], tls: ClientTlsOptions | undefined): TransportSecurity {
  if (!usesTls(endpoints, tls !== undefined)) return { credentials: grpc.credentials.createInsecure(), secure: false };
  return { credentials: tlsCredentials(tls ?? {}), secure: true };
}

function tlsCredentials(options: ClientTlsOptions): grpc.ChannelCredentials {
  const ca = toBuffer(options.caPem, 'caPem');
  const cert = toBuffer(options.certPem, 'certPem');
  const key = toBuffer(options.keyPem, 'keyPem');
  if ((cert === null) !== (key === null)) {
    throw new TypeError('tls.certPem and tls.keyPem go together: give both (a client certificate and its key) or neither');
  }
  // Node ignores a CA bundle it cannot parse, which would surface only as "unable to verify" at every connection.
  checkPem(ca, 'caPem', (pem) => new X509Certificate(pem));
  checkPem(cert, 'certPem', (pem) => new X509Certificate(pem));
  checkPem(key, 'keyPem', (pem) => createPrivateKey(pem));
  const skipVerify = options.insecureSkipVerify ?? false;
  if (typeof skipVerify !== 'boolean') throw new TypeError('tls.insecureSkipVerify must be a boolean');
  try {
    return grpc.credentials.createSsl(ca, key, cert, skipVerify ? { rejectUnauthorized: false } : {});
  } catch (error) {
    // Node's text names the problem (bad PEM, key does not match certificate); say which option carried it.
    throw new TypeError(`tls options (caPem, certPem, keyPem) cannot be used: ${(error as Error).message}`);
  }
}
