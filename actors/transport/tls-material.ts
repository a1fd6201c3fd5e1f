/**
 * Turns the peer TLS arguments into node:tls options for both ends, reading
 * the PEM files once at start (a missing file fails the start, naming it).
 * With auto-TLS the pair is self-signed, so neither end verifies the other's
 * chain; with files, a dialer always verifies the listener, and the listener
 * verifies dialers when clientCertAuth is on.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
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
  return {
    server: { cert, key, ...(ca ? { ca } : {}), requestCert: tls.clientCertAuth, rejectUnauthorized: tls.clientCertAuth },
    client: { cert, key, ...(ca ? { ca } : {}), rejectUnauthorized: true },
  };
}
