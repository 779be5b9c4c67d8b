import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Nova's x509 fingerprint (crypto.generate_x509_fingerprint): the SHA-1 of the certificate's DER,
 * lowercase hex pairs joined by colons. Throws with the parser's reason when it is no PEM
 * certificate.
 */
export function x509FingerprintOf(pem: string): string {
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) {
    throw new Error('Unable to load PEM file: no CERTIFICATE block');
  }
  return new X509Certificate(pem).fingerprint.toLowerCase();
}

/** Runs a command to completion, with optional stdin, giving stdout as bytes. */
function run(command: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { encoding: 'buffer', timeout: 60_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args[0]} failed: ${stderr.toString().trim() || error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input);
  });
}

// The client-certificate profile Nova asks openssl for: WinRM's UPN in the subject alternative name.
const OPENSSL_CONFIG = (upn: string) =>
  'distinguished_name  = req_distinguished_name\n' +
  '[req_distinguished_name]\n' +
  '[v3_req_client]\n' +
  'extendedKeyUsage = clientAuth\n' +
  `subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${upn}\n`;

/**
 * A new x509 key pair as Nova makes one (crypto.generate_winrm_x509_cert): with openssl, a
 * self-signed RSA certificate for CN=<user id>, valid ten years; the private key is the
 * base64 of a PKCS#12 bundle with an empty password.
 */
export async function generateX509KeyPair(
  userId: string,
  bits = 2048,
): Promise<{ publicKey: string; privateKey: string; fingerprint: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'novaflow-x509-'));
  try {
    const keyFile = join(dir, 'temp.key');
    const confFile = join(dir, 'temp.conf');
    await writeFile(confFile, OPENSSL_CONFIG(`${userId}@localhost`));
    const certificate =
      (await run('openssl', [
        'req', '-x509', '-nodes', '-days', '3650', '-config', confFile, '-newkey', `rsa:${bits}`,
        '-outform', 'PEM', '-keyout', keyFile, '-subj', `/CN=${userId}`, '-extensions', 'v3_req_client',
      ])) // prettier-ignore
        .toString('utf8');
    const bundle = await run(
      'openssl',
      ['pkcs12', '-export', '-inkey', keyFile, '-password', 'pass:'],
      certificate,
    );
    return {
      publicKey: certificate,
      privateKey: bundle.toString('base64'),
      fingerprint: x509FingerprintOf(certificate),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
