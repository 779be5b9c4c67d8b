import { rm } from 'node:fs/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { type Logger } from '../../../common/logger';
import { PeriodicTask } from '../common/periodic-task';
import { LOGGER, SETTINGS } from '../settings.module';
import { ImageRepository } from './image-repository';
import { ImageStore } from './image-store';

/** Images one statement puts back; a backlog goes over several passes. */
const BATCH = 100;

/**
 * An upload cut by a crash (of the API process, or of the machine) leaves its image in `saving`
 * and a staging file behind. Every API process, when it starts and every [DEFAULT]
 * image_upload_lease seconds, puts back in `queued` the images whose upload lease ran out (as
 * Glance does after a failed upload: the data can be uploaded again) and removes the staging
 * files of its store that no live upload is writing. An upload alive in another process renews
 * its lease and is left alone.
 */
@Injectable()
export class UploadRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly repo: ImageRepository,
    private readonly store: ImageStore,
    @Inject(SETTINGS) settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const intervalMs = settings.config.DEFAULT.image_upload_lease * 1000;
    this.task = new PeriodicTask('recovery of abandoned uploads', intervalMs, () => this.recover(), logger);
  }

  /** Before the API listens: what a crash of this process left is recovered at once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.task.start({ runNow: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  async recover(): Promise<void> {
    let requeued: string[];
    do {
      requeued = await this.repo.requeueAbandonedUploads(BATCH);
      if (requeued.length > 0)
        this.logger.warn({ images: requeued }, 'queued again images whose upload died');
    } while (requeued.length === BATCH);
    const staging = await this.store.stagingFiles();
    const live = await this.repo.liveUploads([...new Set(staging.map((file) => file.imageId))]);
    for (const file of staging.filter((each) => !live.has(each.imageId))) {
      await rm(file.path, { force: true });
    }
  }
}
