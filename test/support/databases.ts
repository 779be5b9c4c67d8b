import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { prepareDatabase } from '../../scripts/prepare-database';
import { TEST_PASSWORDS } from './passwords';

/** Migrated and seeded once per run by global-setup; every test file copies it. */
export const TEMPLATE_DATABASE = 'novaflow_test_template';

export async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates (again) the template on the PostgreSQL at `serverUrl`: migrated, seeded with the test passwords. */
export async function createTemplateDatabase(serverUrl: string): Promise<void> {
  await withDatabase(serverUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await prepareDatabase(templateUrl.toString(), TEST_PASSWORDS);
}

/** A fresh database for one test file, copied from the template; returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<{ url: string; name: string }> {
  const name = `novaflow_t_${randomBytes(5).toString('hex')}`;
  await withDatabase(serverUrl, async (admin) => {
    // Copies of one template cannot start while another copy is still reading it: retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
        return;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  await withDatabase(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
