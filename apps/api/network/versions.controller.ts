import { Controller, Get, Param } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { Public } from '../common/auth/auth-context';
import { extensionList } from './extensions';
import { NetworkUrls } from './network-urls';

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
  @Get()
  versions() {
    return {
      versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${this.urls.v2}/` }] }],
    };
  }

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

  @Get('v2.0/extensions')
  extensions() {
    return { extensions: extensionList() };
  }

  @Get('v2.0/extensions/:alias')
  extension(@Param('alias') alias: string) {
    const extension = extensionList().find((candidate) => candidate.alias === alias);
    if (!extension) throw new ApiError('itemNotFound', `Extension with alias ${alias} does not exist`);
    return { extension };
  }
}
