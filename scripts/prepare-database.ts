import { createDataSource, migrate } from '../entities/data-source';
import { seedFlavors } from './seed/flavors';
import { leastPrivilegeServiceUser, seedIdentity, type SeedPasswords } from './seed/identity';
import { seedNetwork } from './seed/network';
import { runSeedOnce } from './seed/run-once';

/**
 * Brings the schema up to date and seeds what a first start needs; each seed runs once per
 * database, so what an operator deletes later stays deleted.
 */
export async function prepareDatabase(url: string, passwords: SeedPasswords): Promise<string[]> {
  const dataSource = await createDataSource(url, {
    poolSize: 2,
    applicationName: 'novaflow-migrate',
  }).initialize();
  try {
    const applied = await migrate(dataSource);
    await dataSource.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock(7461002)');
      await runSeedOnce(db, 'identity', () => seedIdentity(db, passwords));
      await runSeedOnce(db, 'service-user-least-privilege', () => leastPrivilegeServiceUser(db));
      await runSeedOnce(db, 'network', () => seedNetwork(db));
      await runSeedOnce(db, 'flavors', () => seedFlavors(db));
    });
    return applied;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  const passwords = {
    admin: process.env.NOVAFLOW_ADMIN_PASSWORD,
    demo: process.env.NOVAFLOW_DEMO_PASSWORD,
    service: process.env.NOVAFLOW_SERVICE_PASSWORD,
  };
  if (!url || !passwords.admin || !passwords.demo || !passwords.service) {
    console.error(
      'DATABASE_URL, NOVAFLOW_ADMIN_PASSWORD, NOVAFLOW_DEMO_PASSWORD and NOVAFLOW_SERVICE_PASSWORD must be set',
    );
    process.exit(1);
  }
  prepareDatabase(url, passwords as SeedPasswords)
    .then((applied) => console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date'))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
