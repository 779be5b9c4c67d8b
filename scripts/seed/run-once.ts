import { type EntityManager } from 'typeorm';

/** Runs `seed` the first time `name` is seen in this database, inside the caller's transaction. */
export async function runSeedOnce(
  db: EntityManager,
  name: string,
  seed: () => Promise<void>,
): Promise<boolean> {
  const inserted = await db.query(
    'INSERT INTO seed_log (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name',
    [name],
  );
  if (inserted.length === 0) return false;
  await seed();
  return true;
}
