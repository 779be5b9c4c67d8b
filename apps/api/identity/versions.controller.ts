import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { Public } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';
import { Returns } from '../common/openapi';
import { arr, obj, wrapped } from '../common/openapi-shapes';
import { VERSION } from './identity-shapes';

/** Keystone's version documents, where clients discover the v3 API. */
@Public()
@Controller('identity')
export class IdentityVersionsController {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  private version() {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${this.settings.env.publicUrl}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
  }

  @Returns(300, wrapped('versions', obj({ values: arr(VERSION) }, ['values'])))
  @Get()
  @HttpCode(300)
  versions() {
    return { versions: { values: [this.version()] } };
  }

  @Returns(200, wrapped('version', VERSION))
  @Get('v3')
  v3() {
    return { version: this.version() };
  }
}
