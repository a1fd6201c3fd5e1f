/**
 * Certificates for TLS tests, made with the openssl command line in a
 * folder the caller owns: one test CA, certificates it signs (as
 * `<name>.pem` and `<name>.key`), and a CRL revoking some of them. Short
 * lived (one day) and EC keys, so making them is quick.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingProgram } from './real-programs.ts';

export const OPENSSL = '/usr/bin/openssl';
/** false when openssl is installed; otherwise the reason to skip (throws in CI). */
export const opensslMissing = missingProgram(OPENSSL, 'apt-get install -y openssl');

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface CertificateUse {
  /** Valid as a TLS server certificate for 127.0.0.1. */
  readonly server?: boolean;
  /** Valid as a TLS client certificate. */
  readonly client?: boolean;
}

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

export class TestCertificateAuthority {
  readonly dir: string;
  readonly caFile: string;

  /** Makes the CA's key and self-signed certificate (ca.key, ca.pem) in `dir`. */
  constructor(dir: string) {
    this.dir = dir;
    this.caFile = join(dir, 'ca.pem');
    this.#openssl('req', '-x509', ...ecKey, '-days', '1', '-subj', '/CN=conclave-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  }

  /** A certificate for `name`, signed by this CA, valid for the uses given. */
  issue(name: string, use: CertificateUse): IssuedCertificate {
    if (use.server !== true && use.client !== true) throw new Error(`certificate ${name}: give at least one use (server, client)`);
    const usages = [use.server === true ? 'serverAuth' : null, use.client === true ? 'clientAuth' : null].filter((usage) => usage !== null);
    const extensions = `${use.server === true ? 'subjectAltName=IP:127.0.0.1\n' : ''}extendedKeyUsage=${usages.join(',')}\n`;
    this.#openssl('req', ...ecKey, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    writeFileSync(join(this.dir, `${name}.ext`), extensions);
    this.#openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    return { certFile: join(this.dir, `${name}.pem`), keyFile: join(this.dir, `${name}.key`) };
  }

  /** Writes crl.pem revoking the certificates issued under `names` (none: an empty CRL); returns its path. */
  revocationList(names: readonly string[]): string {
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'crl.cnf'), '[ca]\ndefault_ca=test_ca\n[test_ca]\ndatabase=index.txt\ndefault_md=sha256\ndefault_crl_days=1\n');
    const ca = ['-config', 'crl.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem'];
    for (const name of names) this.#openssl('ca', ...ca, '-revoke', `${name}.pem`);
    this.#openssl('ca', ...ca, '-gencrl', '-out', 'crl.pem');
    return join(this.dir, 'crl.pem');
  }

  #openssl(...args: string[]): void {
    execFileSync(OPENSSL, args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
