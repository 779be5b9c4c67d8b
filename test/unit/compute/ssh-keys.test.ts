import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, generateSshKeyPair } from '../../../apps/api/compute/keypairs/ssh-keys';

const sshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (
      (error as { status?: number }).status !== undefined && (error as { code?: string }).code !== 'ENOENT'
    );
  }
})();

describe('SSH key pairs', () => {
  it('generates an RSA key whose public half fingerprints as Nova (MD5 of the blob)', () => {
    const pair = generateSshKeyPair('Generated-by-Nova');
    expect(pair.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ Generated-by-Nova$/);
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(pair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(fingerprintOf(pair.publicKey)).toBe(pair.fingerprint);
  });

  it('refuses what is not an OpenSSH public key', () => {
    expect(fingerprintOf('ssh-rsa not-base64!')).toBeUndefined();
    expect(fingerprintOf('ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB')).toBeUndefined();
    expect(fingerprintOf('hello')).toBeUndefined();
  });

  (sshKeygen ? it : it.skip)(
    'agrees with ssh-keygen on the fingerprint (skipped where ssh-keygen is missing)',
    () => {
      const pair = generateSshKeyPair('test');
      const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'key.pub');
      writeFileSync(file, `${pair.publicKey}\n`);
      const line = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', file], { encoding: 'utf8' });
      expect(line).toContain(`MD5:${pair.fingerprint}`);
    },
  );
});
