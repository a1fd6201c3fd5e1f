/**
 * The node:tls server options of the client listeners, from etcd's client
 * TLS files (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth,
 * --client-crl-file). Files are read and checked once, when the server
 * starts, so a missing file or a key that does not match its certificate
 * stops the start with a message naming the flag, rather than failing every
 * client handshake later.
 *
 * Client certificates are demanded, and verified against the trusted CA,
 * when --client-cert-auth is on or a trusted CA is given: etcd 3.4 does the
 * same (pkg/transport TLSInfo.ServerConfig), so a script that gives etcd a
 * CA gets the same protection here.
 *
 * Never: start a listener that would accept a certificate it cannot verify
 * when client certificates are demanded (rejectUnauthorized stays on).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';

export interface ClientTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CA bundle client certificates must chain to; '' for none. */
  readonly trustedCaFile: string;
  /** Demand a client certificate even without a trusted CA file (then the system's CAs verify it). */
  readonly clientCertAuth: boolean;
  /** PEM certificate revocation list; a client certificate it lists is refused. '' for none. */
  readonly crlFile: string;
}

/** A client TLS setting that cannot work; the message names the flag to change. */
export class ClientTlsError extends Error {
  override readonly name = 'ClientTlsError';
}

/** etcd's oldest accepted TLS version for its listeners. */
const MIN_TLS_VERSION = 'TLSv1.2';

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ClientTlsError(`--${flag} ${file}: ${(error as Error).message}`);
  }
}

/** etcd demands client certificates with --client-cert-auth and also whenever a trusted CA is given. */
export function demandsClientCertificate(files: Pick<ClientTlsFiles, 'trustedCaFile' | 'clientCertAuth'>): boolean {
  return files.clientCertAuth || files.trustedCaFile !== '';
}

export function loadClientTls(files: ClientTlsFiles): TlsOptions {
  if (files.certFile === '' || files.keyFile === '') {
    throw new ClientTlsError(
      `KeyFile and CertFile must both be present[key: ${files.keyFile}, cert: ${files.certFile}]: give --cert-file and --key-file together`,
    );
  }
  const demandClientCertificate = demandsClientCertificate(files);
  const options: TlsOptions = {
    cert: readPem(files.certFile, 'cert-file'),
    key: readPem(files.keyFile, 'key-file'),
    ...(files.trustedCaFile === '' ? {} : { ca: readPem(files.trustedCaFile, 'trusted-ca-file') }),
    ...(files.crlFile === '' ? {} : { crl: readPem(files.crlFile, 'client-crl-file') }),
    requestCert: demandClientCertificate,
    rejectUnauthorized: demandClientCertificate,
    minVersion: MIN_TLS_VERSION,
  };
  try {
    createSecureContext(options);
  } catch (error) {
    const given = [`--cert-file ${files.certFile}`, `--key-file ${files.keyFile}`];
    if (files.trustedCaFile !== '') given.push(`--trusted-ca-file ${files.trustedCaFile}`);
    if (files.crlFile !== '') given.push(`--client-crl-file ${files.crlFile}`);
    throw new ClientTlsError(`client TLS cannot use ${given.join(', ')}: ${(error as Error).message}`);
  }
  return options;
}
