import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { EXTENSIONS } from './extension-list';
import { Returns } from '../../common/openapi';
import { arr, obj, str, wrapped } from '../../common/openapi-shapes';

/** One entry as Nova renders it; namespace, updated and links are the same for every one. */
const extension = ([alias, name, description]: (typeof EXTENSIONS)[number]) => ({
  alias,
  description,
  links: [],
  name,
  namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
  updated: '2014-12-03T00:00:00Z',
});

/**
 * /extensions: v2.1 has no extensions any more, but clients (`openstack extension list
 * --compute`, older SDKs probing for features) still read Nova's fixed list.
 */
const EXTENSION = obj(
  { alias: str, description: str, links: arr(obj({})), name: str, namespace: str, updated: str },
  ['alias', 'name'],
);

@ApiTags('compute: extensions')
@Controller('compute/v2.1/extensions')
export class ExtensionsController {
  @Returns(200, wrapped('extensions', arr(EXTENSION)))
  @Get()
  list(@Caller() caller: AuthContext) {
    enforce(caller, 'os_compute_api:extensions');
    return { extensions: EXTENSIONS.map(extension) };
  }

  @Returns(200, wrapped('extension', EXTENSION))
  @Get(':alias')
  show(@Caller() caller: AuthContext, @Param('alias') alias: string) {
    enforce(caller, 'os_compute_api:extensions');
    const found = EXTENSIONS.find((entry) => entry[0] === alias);
    // Nova raises a bare HTTPNotFound: webob's default explanation is the message.
    if (!found) throw notFound('The resource could not be found.');
    return { extension: extension(found) };
  }
}
