import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { ComputeNode, Service } from '../../../entities';
import { ApiError, notFound } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';

/** os-hypervisors (admin): compute nodes, with their inventory up to 2.87 and without it from 2.88. */
@ApiTags('compute: services and hypervisors')
@Controller('compute/v2.1/os-hypervisors')
export class OsHypervisorsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async nodes(pattern?: string): Promise<{ node: ComputeNode; service: Service }[]> {
    const nodes = await this.dataSource.getRepository(ComputeNode).find({ order: { id: 'ASC' } });
    const services = await this.dataSource.getRepository(Service).find();
    return nodes
      .filter((node) => !pattern || node.hypervisorHostname.includes(pattern))
      .map((node) => ({ node, service: services.find((service) => service.id === node.serviceId)! }))
      .filter(({ service }) => service);
  }

  private summary({ node, service }: { node: ComputeNode; service: Service }, v: ApiVersion) {
    return {
      id: v.atLeast('2.53') ? node.uuid : node.id,
      hypervisor_hostname: node.hypervisorHostname,
      state: isServiceUp(service, this.settings.config.DEFAULT.service_down_time) ? 'up' : 'down',
      status: service.disabled ? 'disabled' : 'enabled',
    };
  }

  private detail(entry: { node: ComputeNode; service: Service }, v: ApiVersion) {
    const { node, service } = entry;
    const common = {
      ...this.summary(entry, v),
      hypervisor_type: node.hypervisorType,
      hypervisor_version: node.hypervisorVersion,
      host_ip: node.hostIp,
      service: { id: service.id, host: service.host, disabled_reason: service.disabledReason },
    };
    if (v.atLeast('2.88')) return { ...common, uptime: null };
    return {
      ...common,
      vcpus: node.vcpus,
      memory_mb: node.memoryMb,
      local_gb: node.localGb,
      vcpus_used: node.vcpusUsed,
      memory_mb_used: node.memoryMbUsed,
      local_gb_used: node.localGbUsed,
      free_ram_mb: node.memoryMb - node.memoryMbUsed,
      free_disk_gb: node.localGb - node.localGbUsed,
      current_workload: 0,
      running_vms: node.runningVms,
      disk_available_least: node.localGb - node.localGbUsed,
      cpu_info: JSON.stringify({ arch: node.cpuArch }),
    };
  }

  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query('hypervisor_hostname_pattern') pattern?: string,
  ) {
    enforce(caller, 'os_compute_api:os-hypervisors:list');
    return { hypervisors: (await this.nodes(pattern)).map((entry) => this.summary(entry, v)) };
  }

  @Get('detail')
  async detailed(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query('hypervisor_hostname_pattern') pattern?: string,
  ) {
    enforce(caller, 'os_compute_api:os-hypervisors:list-detail');
    return { hypervisors: (await this.nodes(pattern)).map((entry) => this.detail(entry, v)) };
  }

  @Get('statistics')
  async statistics(@Caller() caller: AuthContext, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-hypervisors:list-detail');
    if (v.atLeast('2.88')) throw new ApiError('itemNotFound', 'The resource could not be found.');
    const nodes = (await this.nodes()).map(({ node }) => node);
    const sum = (pick: (node: ComputeNode) => number) => nodes.reduce((total, node) => total + pick(node), 0);
    return {
      hypervisor_statistics: {
        count: nodes.length,
        vcpus: sum((n) => n.vcpus),
        memory_mb: sum((n) => n.memoryMb),
        local_gb: sum((n) => n.localGb),
        vcpus_used: sum((n) => n.vcpusUsed),
        memory_mb_used: sum((n) => n.memoryMbUsed),
        local_gb_used: sum((n) => n.localGbUsed),
        free_ram_mb: sum((n) => n.memoryMb - n.memoryMbUsed),
        free_disk_gb: sum((n) => n.localGb - n.localGbUsed),
        current_workload: 0,
        running_vms: sum((n) => n.runningVms),
        disk_available_least: sum((n) => n.localGb - n.localGbUsed),
      },
    };
  }

  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-hypervisors:show');
    const entry = (await this.nodes()).find(
      ({ node }) => (v.atLeast('2.53') ? node.uuid : String(node.id)) === id,
    );
    if (!entry) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
    return { hypervisor: this.detail(entry, v) };
  }
}
