import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { Public } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';
import { Returns } from '../common/openapi';
import { VERSIONS as VERSIONS_SHAPE } from './image-shapes';

/**
 * The versions Glance lists when it runs without an image cache and with a single store: v2.17
 * current, the others supported, all served by /v2 (the order is Glance's own).
 */
const VERSIONS: [string, 'CURRENT' | 'SUPPORTED'][] = [
  ['2.15', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'],
  ['2.17', 'CURRENT'],
  ['2.7', 'SUPPORTED'],
  ['2.6', 'SUPPORTED'],
  ['2.5', 'SUPPORTED'],
  ['2.4', 'SUPPORTED'],
  ['2.3', 'SUPPORTED'],
  ['2.2', 'SUPPORTED'],
  ['2.1', 'SUPPORTED'],
  ['2.0', 'SUPPORTED'],
];

/** Glance's version documents, where keystoneauth and openstacksdk discover the v2 endpoint. */
@Public()
@Controller('image')
export class ImageVersionsController {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  private versions() {
    const href = `${this.settings.env.publicUrl}/image/v2/`;
    return {
      versions: VERSIONS.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href }] })),
    };
  }

  /** The root answers 300 Multiple Choices, as Glance's version negotiation does. */
  @Returns(300, VERSIONS_SHAPE)
  @Get()
  @HttpCode(300)
  root() {
    return this.versions();
  }

  @Returns(200, VERSIONS_SHAPE)
  @Get('versions')
  list() {
    return this.versions();
  }
}
