import { createDataSource, migrate } from '../entities/data-source';

/** Brings the schema up to date; later steps seed what a first start needs. */
export async function prepareDatabase(url: string): Promise<string[]> {
  const dataSource = await createDataSource(url, {
    poolSize: 2,
    applicationName: 'novaflow-migrate',
  }).initialize();
  try {
    return await migrate(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set');
    process.exit(1);
  }
  prepareDatabase(url)
    .then((applied) => console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date'))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
