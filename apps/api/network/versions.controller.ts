import { Controller, Get, Param } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { Public } from '../common/auth/auth-context';
import { extensionList } from './extensions';
import { NetworkUrls } from './network-urls';
import { Returns } from '../common/openapi';
import { anyValue, arr, link, mapOf, obj, str, wrapped } from '../common/openapi-shapes';

const RESOURCES = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
];

/** Where clients discover the API: Neutron's version list, v2.0's resources and its extensions. */
@Controller('network')
export class NetworkVersionsController {
  constructor(private readonly urls: NetworkUrls) {}

  @Public()
  @Returns(200, wrapped('versions', arr(obj({ id: str, status: str, links: arr(link) }, ['id', 'status']))))
  @Get()
  versions() {
    return {
      versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${this.urls.v2}/` }] }],
    };
  }

  @Returns(200, wrapped('resources', arr(obj({ name: str, collection: str, links: arr(link) }, ['name']))))
  @Get('v2.0')
  resources() {
    return {
      resources: RESOURCES.map(([name, collection]) => ({
        name,
        collection,
        links: [{ rel: 'self', href: this.urls.collection(collection) }],
      })),
    };
  }

  @Returns(200, wrapped('extensions', arr(mapOf(anyValue))))
  @Get('v2.0/extensions')
  extensions() {
    return { extensions: extensionList() };
  }

  @Returns(200, wrapped('extension', mapOf(anyValue)))
  @Get('v2.0/extensions/:alias')
  extension(@Param('alias') alias: string) {
    const extension = extensionList().find((candidate) => candidate.alias === alias);
    if (!extension) throw new ApiError('itemNotFound', `Extension with alias ${alias} does not exist`);
    return { extension };
  }
}
