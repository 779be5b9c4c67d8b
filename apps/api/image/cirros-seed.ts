import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { type Logger } from '../../../common/logger';
import { Image } from '../../../entities';
import { LOGGER } from '../settings.module';
import { ImageStore } from './image-store';
import { buildQcow2, qcow2VirtualSize } from './qcow2';

/** Serializes seeding across API processes (7461001 guards migrations, 7461002 the first-start seeds). */
const SEED_LOCK = 7461003;
const CIRROS = 'cirros';
/** The guest disk size of cirros 0.6. */
const CIRROS_VIRTUAL_SIZE = 112 * 1024 * 1024;
const DATA_CLUSTER = 64 * 1024;

/**
 * The seeded image's data: a valid qcow2 whose first cluster holds a banner and a sha256 chain,
 * the same bytes on every start and every host (so its checksum is stable). It boots nothing:
 * fake hosts only need real image data to fetch and check.
 */
export function cirrosImageData(): Buffer {
  const banner = Buffer.from(
    'Novaflow seed image "cirros": a valid qcow2 disk without an operating system.\n',
  );
  const blocks = [banner];
  let length = banner.length;
  for (let digest = banner; length < DATA_CLUSTER; length += digest.length) {
    digest = createHash('sha256').update(digest).digest();
    blocks.push(digest);
  }
  return buildQcow2(CIRROS_VIRTUAL_SIZE, Buffer.concat(blocks).subarray(0, DATA_CLUSTER));
}

/**
 * Makes sure a public `cirros` image owned by the admin project exists, with its data in this
 * process's store, as devstack uploads one. Idempotent; an advisory lock keeps two API processes
 * starting together from both creating it.
 */
export async function seedCirros(dataSource: DataSource, store: ImageStore, logger: Logger): Promise<void> {
  const data = cirrosImageData();
  const checksum = createHash('md5').update(data).digest('hex');
  let createdId: string | undefined;
  try {
    await dataSource.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
      const [admin] = await db.query(
        `SELECT id FROM projects WHERE domain_id = 'default' AND name = 'admin'`,
      );
      if (!admin) {
        logger.warn('no admin project: the cirros image is not seeded');
        return;
      }
      const images = db.getRepository(Image);
      const existing = await images.findOneBy({ name: CIRROS, owner: admin.id, deletedAt: IsNull() });
      if (existing) {
        // Created by an API process with another data dir: this store gets the same bytes.
        if (existing.checksum === checksum && !(await store.has(existing.id))) {
          await store.commit(existing.id, await store.stage(existing.id, [data], data.length));
        }
        return;
      }
      const id = randomUUID();
      const staged = await store.stage(id, [data], data.length);
      const now = new Date();
      await images
        .insert({
          id,
          name: CIRROS,
          status: 'active',
          visibility: 'public',
          protected: false,
          osHidden: false,
          owner: admin.id,
          diskFormat: 'qcow2',
          containerFormat: 'bare',
          size: staged.size,
          virtualSize: qcow2VirtualSize(staged.head) ?? null,
          checksum: staged.md5,
          osHashAlgo: 'sha512',
          osHashValue: staged.sha512,
          minDisk: 0,
          minRam: 0,
          properties: {},
          tags: [],
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        })
        .catch(async (error: unknown) => {
          await rm(staged.stagingPath, { force: true });
          throw error;
        });
      await store.commit(id, staged);
      createdId = id;
    });
  } catch (error) {
    if (createdId) await store.remove(createdId);
    throw error;
  }
  if (createdId) logger.info({ imageId: createdId }, 'seeded the cirros image');
}

/** Seeds cirros when the API starts; a failure is logged, and the API serves without it. */
@Injectable()
export class CirrosSeed implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ImageStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await seedCirros(this.dataSource, this.store, this.logger).catch((error: unknown) =>
      this.logger.error({ err: error }, 'could not seed the cirros image'),
    );
  }
}
