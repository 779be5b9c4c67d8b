import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A certificate authority of the test's own in `dir` (openssl), which issues a server certificate
 * for 127.0.0.1 and client certificates. Returns file paths, as the Temporal variables take them.
 */
export class TestCertificateAuthority implements Certificate {
  readonly cert: string;
  readonly key: string;

  constructor(
    private readonly dir: string,
    readonly name: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.cert = join(dir, `${name}-ca.pem`);
    this.key = join(dir, `${name}-ca.key`);
    openssl(dir, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', this.key, '-out', this.cert,
    ]); // prettier-ignore
  }

  /** A certificate for `commonName`; a server's carries 127.0.0.1 and localhost as its names. */
  issue(commonName: string, usage: 'server' | 'client'): Certificate {
    const base = join(this.dir, `${this.name}-${commonName}`);
    const extensions = `${base}.ext`;
    writeFileSync(
      extensions,
      usage === 'server'
        ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
        : 'extendedKeyUsage=clientAuth\n',
    );
    openssl(this.dir, [
      'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-subj', `/CN=${commonName}`, '-keyout', `${base}.key`, '-out', `${base}.csr`,
    ]); // prettier-ignore
    openssl(this.dir, [
      'x509', '-req', '-in', `${base}.csr`, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial',
      '-days', '2', '-extfile', extensions, '-out', `${base}.pem`,
    ]); // prettier-ignore
    return { cert: `${base}.pem`, key: `${base}.key` };
  }
}
