import { Controller, Get, Inject } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { Public } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';
import { MAX_VERSION, MIN_VERSION } from './microversion';
import { Returns } from '../common/openapi';
import { arr, wrapped } from '../common/openapi-shapes';
import { VERSION } from './compute-shapes';

/** Nova's version documents: where clients learn the microversion range. */
@Public()
@Controller('compute')
export class ComputeVersionsController {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  private get base() {
    return `${this.settings.env.publicUrl}/compute`;
  }

  private v21(links: { rel: string; href: string; type?: string }[]) {
    return {
      id: 'v2.1',
      status: 'CURRENT',
      version: MAX_VERSION,
      min_version: MIN_VERSION,
      updated: '2013-07-23T11:33:21Z',
      links,
    };
  }

  @Returns(200, wrapped('versions', arr(VERSION)))
  @Get()
  versions() {
    return {
      versions: [
        {
          id: 'v2.0',
          status: 'SUPPORTED',
          version: '',
          min_version: '',
          updated: '2011-01-21T11:33:21Z',
          links: [{ rel: 'self', href: `${this.base}/v2/` }],
        },
        this.v21([{ rel: 'self', href: `${this.base}/v2.1/` }]),
      ],
    };
  }

  /**
   * The v2.0 document behind the root's v2 self link: Tempest's test_get_version_details follows
   * every self link (get_version_by_url) and expects the same self link back.
   */
  @Returns(200, wrapped('version', VERSION))
  @Get('v2')
  legacyVersion() {
    return {
      version: {
        id: 'v2.0',
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
        links: [
          { rel: 'self', href: `${this.base}/v2/` },
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ],
        'media-types': [
          { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' },
        ],
      },
    };
  }

  @Returns(200, wrapped('version', VERSION))
  @Get('v2.1')
  version() {
    return {
      version: {
        ...this.v21([
          { rel: 'self', href: `${this.base}/v2.1/` },
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ]),
        'media-types': [
          { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
        ],
      },
    };
  }
}
