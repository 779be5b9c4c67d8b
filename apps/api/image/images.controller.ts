import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type Settings } from '../../../common/config';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';
import { IMAGE_LIST_PARAMS, pageLinks, parseImageListQuery } from './image-list-query';
import { IMAGE_PATCH_MEDIA_TYPE, parseImagePatch } from './image-patch';
import { imagePath, imageView } from './image-views';
import { ImagesService } from './images.service';
import { ErrorStatuses, JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { IMAGE, IMAGE_LIST } from './image-shapes';
import { imageSchema } from './image.schema';

/** The query string of a request, as clients sent it (kept for Glance's first and next links). */
const queryOf = (req: Request) => new URLSearchParams(req.originalUrl.split('?')[1] ?? '');

/** Glance v2 /images: list, show, create, update by JSON patch, delete. */
@Controller('image/v2/images')
export class ImagesController {
  constructor(
    private readonly images: ImagesService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @QueryParams(IMAGE_LIST_PARAMS)
  @Returns(200, IMAGE_LIST)
  @Get()
  async list(@Caller() auth: AuthContext, @Req() req: Request) {
    const params = queryOf(req);
    const { images, nextMarker } = await this.images.list(auth, parseImageListQuery(params));
    return {
      images: images.map(imageView),
      ...pageLinks(params, nextMarker),
      schema: '/v2/schemas/images',
    };
  }

  @Returns(200, IMAGE)
  @Get(':id')
  async show(@Caller() auth: AuthContext, @Param('id') id: string) {
    return imageView(await this.images.show(auth, id));
  }

  @JsonSchemaBody(imageSchema)
  @Returns(201, IMAGE)
  @Post()
  @HttpCode(201)
  async create(
    @Caller() auth: AuthContext,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const image = await this.images.create(auth, body);
    res.setHeader('Location', `${this.settings.env.publicUrl}/image${imagePath(image.id)}`);
    return imageView(image);
  }

  @Returns(200, IMAGE)
  @ErrorStatuses(415)
  @Patch(':id')
  async update(
    @Caller() auth: AuthContext,
    @Param('id') id: string,
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!req.is(IMAGE_PATCH_MEDIA_TYPE)) {
      res.setHeader('Accept-Patch', IMAGE_PATCH_MEDIA_TYPE);
      throw new ApiError(
        'unsupportedMediaType',
        `Image PATCH expects Content-Type one of: ${IMAGE_PATCH_MEDIA_TYPE}`,
      );
    }
    return imageView(await this.images.update(auth, id, parseImagePatch(body)));
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() auth: AuthContext, @Param('id') id: string) {
    await this.images.delete(auth, id);
  }
}
