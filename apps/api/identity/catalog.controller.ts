import { Controller, Get, Inject, Query } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { catalogEndpoints, catalogServices, REGION } from './catalog';
import { QueryParams, Returns } from '../common/openapi';
import { bool, nullable, obj, str } from '../common/openapi-shapes';
import { keystoneList } from './identity-shapes';

/** The catalog as Keystone's admin APIs show it; fixed, since every service lives on this port. */
@Controller('identity/v3')
export class CatalogController {
  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  private links(collection: string) {
    return { self: `${this.settings.env.publicUrl}/identity/v3/${collection}`, previous: null, next: null };
  }

  @QueryParams({ type: str })
  @Returns(
    200,
    keystoneList(
      'services',
      obj({ id: str, type: str, name: str, enabled: bool, description: str }, ['id', 'type']),
    ),
  )
  @Get('services')
  services(@Caller() caller: AuthContext, @Query('type') type?: string) {
    enforce(caller, 'identity:list_services');
    const services = catalogServices(this.settings.env.publicUrl).filter(
      (service) => !type || service.type === type,
    );
    return { services, links: this.links('services') };
  }

  @QueryParams({ service_id: str, interface: str })
  @Returns(
    200,
    keystoneList(
      'endpoints',
      obj(
        { id: str, interface: str, region: str, region_id: str, service_id: str, url: str, enabled: bool },
        ['id', 'url'],
      ),
    ),
  )
  @Get('endpoints')
  endpoints(
    @Caller() caller: AuthContext,
    @Query('service_id') serviceId?: string,
    @Query('interface') iface?: string,
  ) {
    enforce(caller, 'identity:list_endpoints');
    const endpoints = catalogEndpoints(this.settings.env.publicUrl).filter(
      (endpoint) =>
        (!serviceId || endpoint.service_id === serviceId) && (!iface || endpoint.interface === iface),
    );
    return { endpoints, links: this.links('endpoints') };
  }

  @Returns(
    200,
    keystoneList('regions', obj({ id: str, description: str, parent_region_id: nullable(str) }, ['id'])),
  )
  @Get('regions')
  regions(@Caller() caller: AuthContext) {
    enforce(caller, 'identity:list_regions');
    const url = `${this.settings.env.publicUrl}/identity/v3/regions/${REGION}`;
    return {
      regions: [{ id: REGION, description: '', parent_region_id: null, links: { self: url } }],
      links: this.links('regions'),
    };
  }
}
