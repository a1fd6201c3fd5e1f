/**
 * Turns the peer TLS arguments into node:tls options for both ends, reading
 * the PEM files once at start (a missing or malformed file fails the start,
 * naming its flag). With auto-TLS the pair is self-signed, so neither end
 * verifies the other's chain; with files, a dialer always verifies the
 * listener, and the listener demands and verifies dialers' certificates when
 * --peer-client-cert-auth is on or a trusted CA is given (etcd 3.4's
 * TLSInfo.ServerConfig does the same), refusing those the CRL revokes.
 *
 * Never: let a listener that demands certificates accept one it cannot
 * verify (rejectUnauthorized stays on with requestCert).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { ensureSelfSignedCertificate } from './auto-tls.ts';
import type { PeerTlsArgs } from './transport-args.ts';

export interface TlsMaterial {
  readonly server: TlsOptions;
  readonly client: ConnectionOptions;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the peer ${what} ${file}: ${(error as Error).message}`);
  }
}

export function loadTlsMaterial(tls: PeerTlsArgs): TlsMaterial {
  if (tls.kind === 'auto') {
    const pair = ensureSelfSignedCertificate(tls.dir);
    const cert = readPem(pair.certFile, 'auto-TLS certificate');
    const key = readPem(pair.keyFile, 'auto-TLS key');
    return {
      server: { cert, key, requestCert: false, rejectUnauthorized: false },
      client: { cert, key, rejectUnauthorized: false },
    };
  }
  const cert = readPem(tls.certFile, 'certificate (--peer-cert-file)');
  const key = readPem(tls.keyFile, 'key (--peer-key-file)');
  const ca = tls.trustedCaFile === null ? undefined : readPem(tls.trustedCaFile, 'trusted CA (--peer-trusted-ca-file)');
  const crl = tls.crlFile === null ? undefined : readPem(tls.crlFile, 'certificate revocation list (--peer-crl-file)');
  const demandCertificate = tls.clientCertAuth || ca !== undefined;
  const server: TlsOptions = { cert, key, ...(ca ? { ca } : {}), ...(crl ? { crl } : {}), requestCert: demandCertificate, rejectUnauthorized: demandCertificate };
  try {
    createSecureContext(server);
  } catch (error) {
    throw new Error(`the peer TLS files do not work together (--peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-crl-file): ${(error as Error).message}`);
  }
  return { server, client: { cert, key, ...(ca ? { ca } : {}), rejectUnauthorized: true } };
}
