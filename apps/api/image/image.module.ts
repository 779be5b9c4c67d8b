import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { SETTINGS } from '../settings.module';
import { CirrosSeed } from './cirros-seed';
import { ImageDataController } from './image-data.controller';
import { ImageDataService } from './image-data.service';
import { ImageMembersController } from './image-members.controller';
import { ImageMembersService } from './image-members.service';
import { ImageRepository } from './image-repository';
import { ImageStore } from './image-store';
import { ImageTagsController } from './image-tags.controller';
import { ImagesController } from './images.controller';
import { ImagesService } from './images.service';
import { UploadRecovery } from './upload-recovery';
import { ImageVersionsController } from './versions.controller';

/** Glance v2's subset under /image: images, their data in a file store, members and tags. */
@Module({
  controllers: [
    ImageVersionsController,
    ImagesController,
    ImageDataController,
    ImageMembersController,
    ImageTagsController,
  ],
  providers: [
    {
      provide: ImageStore,
      inject: [SETTINGS],
      useFactory: (settings: Settings) => new ImageStore(join(settings.env.dataDir, 'images')),
    },
    ImageRepository,
    ImagesService,
    ImageDataService,
    ImageMembersService,
    CirrosSeed,
    UploadRecovery,
  ],
})
export class ImageModule {}
