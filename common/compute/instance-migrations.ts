import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { type FlavorSnapshot, type Instance, InstanceMigration } from '../../entities';
import { type MigrationStatus, type MigrationType } from './migrations';

/** What the API knows of a move when it accepts it. */
export interface NewMigration {
  instance: Pick<Instance, 'uuid' | 'host' | 'node' | 'flavor'>;
  type: MigrationType;
  status: MigrationStatus;
  /** The flavor it moves to; a migration's is the instance's own. */
  newFlavor: FlavorSnapshot;
  userId: string;
  projectId: string;
  /** The workflow that will run it. */
  workflowId: string;
}

/** The flavors table's internal id of a flavor snapshot, as Nova's old/new_instance_type_id; null once deleted. */
async function flavorIdOf(db: EntityManager, flavor: FlavorSnapshot): Promise<number | null> {
  const [row]: { id: number }[] = await db.query(
    'SELECT id FROM flavors WHERE flavorid = $1 ORDER BY id DESC LIMIT 1',
    [flavor.flavorid],
  );
  return row?.id ?? null;
}

/** Records a move in the caller's transaction (the one that claims the instance); returns its uuid. */
export async function createMigration(db: EntityManager, migration: NewMigration): Promise<string> {
  const uuid = randomUUID();
  const { instance } = migration;
  await db.getRepository(InstanceMigration).insert({
    uuid,
    instanceUuid: instance.uuid,
    migrationType: migration.type,
    status: migration.status,
    sourceCompute: instance.host,
    sourceNode: instance.node,
    oldInstanceTypeId: await flavorIdOf(db, instance.flavor),
    newInstanceTypeId: await flavorIdOf(db, migration.newFlavor),
    oldFlavor: instance.flavor,
    newFlavor: migration.newFlavor,
    userId: migration.userId,
    projectId: migration.projectId,
    workflowId: migration.workflowId,
    updatedAt: new Date(),
  });
  return uuid;
}
