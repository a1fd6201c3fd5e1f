/**
 * etcd's client TLS flags, applied as etcd 3.4 applies them (embed
 * configureClientListeners and ClientSelfCert), turned into the TLS options
 * of the https:// listeners:
 * - an https client or metrics URL needs --cert-file and --key-file, or
 *   --auto-tls, which makes a self-signed pair in <data-dir>/fixtures/client
 *   (and, as in etcd, then asks clients for no certificate);
 * - given certificate files win over --auto-tls (with etcd's warning);
 * - http:// URLs ignore the TLS flags, with etcd's warnings.
 *
 * It runs before the member's store opens, so a refusal leaves nothing
 * behind but a made auto-TLS pair. Never: make a certificate when no
 * listener is https, or drop a flag without a warning saying so.
 */
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { ensureSelfSignedCertificate } from '../../actors/transport/auto-tls.ts';
import { ClientTlsError, demandsClientCertificate, loadClientTls, type ClientTlsFiles } from './tls-options.ts';

/** The client TLS flags as parsed (src/cli/serve/serve-config.ts TlsFiles); '' is "not given". */
export interface ClientTlsFlags extends ClientTlsFiles {
  readonly autoTls: boolean;
}

export interface ClientTlsListeners {
  /** --listen-client-urls */
  readonly clientUrls: readonly URL[];
  /** --listen-metrics-urls (https ones use the client TLS, as in etcd) */
  readonly metricsUrls: readonly URL[];
}

/** etcd's "TLS info is not empty": either file counts, so half a pair is refused when it is loaded. */
const certificateFilesGiven = (flags: ClientTlsFlags) => flags.certFile !== '' || flags.keyFile !== '';

/** Which certificate pair the https listeners use, and what to warn about on the way. */
function chooseFiles(flags: ClientTlsFlags, dataDir: string, warn: (message: string) => void): ClientTlsFiles | null {
  if (certificateFilesGiven(flags)) {
    if (flags.autoTls) warn('ignoring client auto TLS since certs given (--cert-file, --key-file)');
    return flags;
  }
  if (!flags.autoTls) return null;
  if (demandsClientCertificate(flags) || flags.crlFile !== '') {
    warn('--auto-tls makes a self-signed pair and asks clients for no certificate; ignoring --client-cert-auth, --trusted-ca-file and --client-crl-file');
  }
  let pair;
  try {
    pair = ensureSelfSignedCertificate(join(dataDir, 'fixtures', 'client'), 'openssl', 'client');
  } catch (error) {
    throw new ClientTlsError((error as Error).message);
  }
  return { certFile: pair.certFile, keyFile: pair.keyFile, trustedCaFile: '', clientCertAuth: false, crlFile: '' };
}

/** The TLS options of the https listeners, or null when no listener is https. Throws ClientTlsError. */
export function clientTlsFromFlags(flags: ClientTlsFlags, listeners: ClientTlsListeners, dataDir: string, warn: (message: string) => void): TlsOptions | null {
  const urls = [
    ...listeners.clientUrls.map((url) => ({ url, kind: 'client' })),
    ...listeners.metricsUrls.map((url) => ({ url, kind: 'metrics' })),
  ];
  const secureUrls = urls.filter(({ url }) => url.protocol === 'https:');
  for (const { url, kind } of urls.filter(({ url }) => url.protocol === 'http:')) {
    const where = `(${kind}-url ${url.origin})`;
    if (certificateFilesGiven(flags)) warn(`scheme is HTTP while key and cert files are present; ignoring key and cert files ${where}`);
    else if (flags.autoTls) warn(`scheme is HTTP while --auto-tls is enabled; ignoring auto TLS for this URL ${where}`);
    if (flags.clientCertAuth) warn(`scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL ${where}`);
  }
  if (secureUrls.length === 0) return null;
  const files = chooseFiles(flags, dataDir, warn);
  if (files === null) {
    const { url, kind } = secureUrls[0]!;
    throw new ClientTlsError(`TLS key/cert (--cert-file, --key-file) must be provided for ${kind} url ${url.origin} with HTTPS scheme (or give --auto-tls)`);
  }
  if (files.crlFile !== '' && !demandsClientCertificate(files)) {
    warn('--client-crl-file has no effect without --client-cert-auth or --trusted-ca-file: clients are not asked for certificates');
  }
  return loadClientTls(files);
}
