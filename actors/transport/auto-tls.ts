/**
 * Auto-TLS (etcd's --peer-auto-tls and --auto-tls): a self-signed
 * certificate and key, made once with the openssl command line into a folder
 * of the member's data directory and reused on later starts. It encrypts
 * traffic but proves no identity, which is why peers using it skip chain
 * verification (as etcd does). It must never overwrite existing files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificatePair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Bounds the openssl run: key generation on a busy 2-core machine takes well under a second. */
const OPENSSL_TIMEOUT_MS = 30_000;

/** Whose traffic the pair encrypts: only the wording of failures (which flags to use instead) depends on it. */
export type AutoTlsUse = 'peer' | 'client';

const certificateFlags: Record<AutoTlsUse, string> = {
  peer: '--peer-cert-file and --peer-key-file',
  client: '--cert-file and --key-file',
};

export function ensureSelfSignedCertificate(dir: string, openssl = 'openssl', use: AutoTlsUse = 'peer'): CertificatePair {
  const pair = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  if (existsSync(pair.certFile) && existsSync(pair.keyFile)) return pair;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // prettier-ignore
  const argv = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
    '-subj', '/CN=conclave', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', pair.keyFile, '-out', pair.certFile,
  ];
  try {
    execFileSync(openssl, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: OPENSSL_TIMEOUT_MS });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${use} auto-TLS needs the openssl command to make a certificate, and "${openssl}" was not found; install openssl (apt-get install openssl) or pass ${certificateFlags[use]}`);
    }
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`${use} auto-TLS: openssl failed to make a certificate in ${dir}: ${stderr || String(error)}`);
  }
  return pair;
}
