import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCloudsYaml } from '../../scripts/clouds-yaml';
import { writeSecretFile } from '../../scripts/secret-file';
import { loadSecrets } from '../../scripts/secrets';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('secrets files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'novaflow-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a secrets file 0600, even under a permissive umask, and leaves no partial file', () => {
    const previous = process.umask(0);
    try {
      writeSecretFile(join(dir, 'secret'), 'hush\n');
    } finally {
      process.umask(previous);
    }
    expect(modeOf(join(dir, 'secret'))).toBe(0o600);
    expect(readFileSync(join(dir, 'secret'), 'utf8')).toBe('hush\n');
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('makes a looser secrets.json and clouds.yaml 0600 again, keeping the passwords', () => {
    const file = join(dir, 'secrets.json');
    const first = loadSecrets(dir, {});
    chmodSync(file, 0o644);
    const again = loadSecrets(dir, {});
    expect(again).toEqual(first);
    expect(modeOf(file)).toBe(0o600);

    const clouds = join(dir, 'clouds.yaml');
    writeFileSync(clouds, 'old', { mode: 0o666 });
    chmodSync(clouds, 0o666);
    const user = { username: 'admin', password: first.adminPassword, projectName: 'admin' };
    writeCloudsYaml(clouds, 'http://127.0.0.1:1/identity/v3', user, user);
    expect(modeOf(clouds)).toBe(0o600);
    expect(readFileSync(clouds, 'utf8')).toContain(first.adminPassword);
  });
});
