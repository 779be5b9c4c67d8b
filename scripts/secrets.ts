import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from './secret-file';

export interface Secrets {
  adminPassword: string;
  demoPassword: string;
  /** Of the `nova` service user compute hosts authenticate as to fetch images. */
  servicePassword: string;
  postgresPassword: string;
}

const generate = () => randomBytes(12).toString('base64url');

/**
 * Passwords of the seeded users and the embedded database: from NOVAFLOW_ADMIN_PASSWORD,
 * NOVAFLOW_DEMO_PASSWORD and NOVAFLOW_SERVICE_PASSWORD when set, else generated on first start
 * and kept in <data dir>/secrets.json (mode 0600, rewritten so at every start) so that later
 * starts agree with the database.
 */
export function loadSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<Secrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const secrets: Secrets = {
    adminPassword: env.NOVAFLOW_ADMIN_PASSWORD || stored.adminPassword || generate(),
    demoPassword: env.NOVAFLOW_DEMO_PASSWORD || stored.demoPassword || generate(),
    servicePassword: env.NOVAFLOW_SERVICE_PASSWORD || stored.servicePassword || generate(),
    postgresPassword: stored.postgresPassword || generate(),
  };
  writeSecretFile(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return secrets;
}
