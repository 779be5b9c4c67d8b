import { Controller, Get, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { ImageDataService } from './image-data.service';
import { ErrorStatuses, Returns, ReturnsMedia } from '../common/openapi';

/** Glance v2 /images/{id}/file: upload (a raw octet stream) and download of image data. */
@Controller('image/v2/images/:id/file')
export class ImageDataController {
  constructor(private readonly data: ImageDataService) {}

  @Returns(204)
  @ErrorStatuses(410, 415)
  @Put()
  @HttpCode(204)
  async upload(@Caller() auth: AuthContext, @Param('id') id: string, @Req() req: Request) {
    await this.data.upload(auth, id, req);
  }

  @ReturnsMedia(200, 'application/octet-stream')
  @Returns(204)
  @Get()
  async download(@Caller() auth: AuthContext, @Param('id') id: string, @Res() res: Response) {
    await this.data.download(auth, id, res);
  }
}
