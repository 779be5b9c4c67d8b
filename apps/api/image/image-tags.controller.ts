import { Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { ImagesService } from './images.service';
import { Returns } from '../common/openapi';

/** Glance v2 /images/{id}/tags/{tag}: add or remove one tag (`openstack image unset --tag` uses it). */
@Controller('image/v2/images/:id/tags/:tag')
export class ImageTagsController {
  constructor(private readonly images: ImagesService) {}

  @Returns(204)
  @Put()
  @HttpCode(204)
  async add(@Caller() auth: AuthContext, @Param('id') id: string, @Param('tag') tag: string) {
    await this.images.addTag(auth, id, tag);
  }

  @Returns(204)
  @Delete()
  @HttpCode(204)
  async remove(@Caller() auth: AuthContext, @Param('id') id: string, @Param('tag') tag: string) {
    await this.images.removeTag(auth, id, tag);
  }
}
