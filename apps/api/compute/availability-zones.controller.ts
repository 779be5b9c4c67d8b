import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { Service } from '../../../entities';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { isoMicros } from './timestamps';
import { Returns } from '../common/openapi';
import { anyValue, arr, bool, nullable, obj, mapOf, str, wrapped } from '../common/openapi-shapes';

const AZ_INFO = wrapped(
  'availabilityZoneInfo',
  arr(
    obj({ zoneName: str, zoneState: obj({ available: bool }), hosts: nullable(mapOf(anyValue)) }, [
      'zoneName',
    ]),
  ),
);

/** os-availability-zone: zones of enabled compute hosts; the detail (admin) adds hosts and services. */
@ApiTags('compute: availability zones')
@Controller('compute/v2.1/os-availability-zone')
export class AvailabilityZonesController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async zones(includeInternal: boolean) {
    const services = await this.dataSource.getRepository(Service).find({ order: { host: 'ASC' } });
    const downTime = this.settings.config.DEFAULT.service_down_time;
    const zones = new Map<string, Service[]>();
    for (const service of services) {
      if (service.binary === 'nova-compute' && service.disabled) continue;
      if (service.binary !== 'nova-compute' && !includeInternal) continue;
      zones.set(service.zone, [...(zones.get(service.zone) ?? []), service]);
    }
    return [...zones].map(([zoneName, members]) => ({
      zoneName,
      available: members.some((service) => isServiceUp(service, downTime)),
      members,
      downTime,
    }));
  }

  @Returns(200, AZ_INFO)
  @Get()
  async list(@Caller() caller: AuthContext) {
    enforce(caller, 'os_compute_api:os-availability-zone:list');
    return {
      availabilityZoneInfo: (await this.zones(false)).map((zone) => ({
        zoneName: zone.zoneName,
        zoneState: { available: zone.available },
        hosts: null,
      })),
    };
  }

  @Returns(200, AZ_INFO)
  @Get('detail')
  async detail(@Caller() caller: AuthContext) {
    enforce(caller, 'os_compute_api:os-services:list');
    return {
      availabilityZoneInfo: (await this.zones(true)).map((zone) => {
        const hosts: Record<
          string,
          Record<string, { available: boolean; active: boolean; updated_at: string | null }>
        > = {};
        for (const service of zone.members) {
          hosts[service.host] ??= {};
          hosts[service.host][service.binary] = {
            available: isServiceUp(service, zone.downTime),
            active: !service.disabled,
            updated_at: isoMicros(service.updatedAt),
          };
        }
        return { zoneName: zone.zoneName, zoneState: { available: zone.available }, hosts };
      }),
    };
  }
}
