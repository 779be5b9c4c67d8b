import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { type ComputeNode } from '../../../entities';
import { ApiError, badRequest } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { strictBool } from './bool-param';
import { HypervisorStore } from './hypervisors/hypervisor-store';
import {
  FAKE_UPTIME,
  type Hypervisor,
  hypervisorDetail,
  hypervisorSummary,
  withServers,
} from './hypervisors/hypervisor-view';
import { type ApiVersion, Microversion } from './microversion';
import { UUID_FOR_ID_MIN_VERSION } from './services/resource-ids';
import { QueryParams, Returns } from '../common/openapi';
import { arr, int, mapOf, str, wrapped } from '../common/openapi-shapes';
import { HYPERVISOR } from './compute-shapes';
import { PAGINATION_PARAMS } from './pagination';

/** The answer to a route that the requested microversion does not have. */
const versionNotFound = () => new ApiError('itemNotFound', 'The resource could not be found.');

interface ListQuery {
  hypervisor_hostname_pattern?: string;
  with_servers?: string;
  limit?: string;
  marker?: string;
}

/** ListQuery's parameters, for the OpenAPI document. */
const HYPERVISOR_LIST_PARAMS = { ...PAGINATION_PARAMS, hypervisor_hostname_pattern: str, with_servers: str };

/**
 * os-hypervisors (admin): compute nodes, with their inventory up to 2.87 and without it from 2.88.
 * Below 2.53 ids are integers and /{pattern}/search and /{pattern}/servers find by hostname; from
 * 2.53 ids are UUIDs and the list takes hypervisor_hostname_pattern and with_servers instead.
 */
@ApiTags('compute: services and hypervisors')
@Controller('compute/v2.1/os-hypervisors')
export class OsHypervisorsController {
  private readonly store: HypervisorStore;

  constructor(dataSource: DataSource, @Inject(SETTINGS) settings: Settings) {
    this.store = new HypervisorStore(dataSource, (service) =>
      isServiceUp(service, settings.config.DEFAULT.service_down_time),
    );
  }

  /** The list and detail routes: all hypervisors, or from 2.53 those matching a pattern, with servers. */
  private async listed(query: ListQuery, v: ApiVersion, view: (entry: Hypervisor) => object) {
    const since253 = v.atLeast(UUID_FOR_ID_MIN_VERSION);
    const pattern = since253 ? query.hypervisor_hostname_pattern : undefined;
    const servers = since253 && query.with_servers !== undefined && strictBool(query.with_servers);
    if (pattern !== undefined && (query.limit !== undefined || query.marker !== undefined)) {
      throw badRequest(
        'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.',
      );
    }
    const entries = pattern !== undefined ? await this.store.matching(pattern) : await this.store.all();
    const hypervisors = [];
    for (const entry of entries) {
      const hosted = servers ? await this.store.serversOn(entry.node.host) : undefined;
      hypervisors.push(withServers(view(entry), hosted, v));
    }
    return { hypervisors };
  }

  @QueryParams(HYPERVISOR_LIST_PARAMS)
  @Returns(200, wrapped('hypervisors', arr(HYPERVISOR)))
  @Get()
  async list(@Caller() caller: AuthContext, @Microversion() v: ApiVersion, @Query() query: ListQuery) {
    enforce(caller, 'os_compute_api:os-hypervisors:list');
    return this.listed(query, v, (entry) => hypervisorSummary(entry, v));
  }

  @QueryParams(HYPERVISOR_LIST_PARAMS)
  @Returns(200, wrapped('hypervisors', arr(HYPERVISOR)))
  @Get('detail')
  async detailed(@Caller() caller: AuthContext, @Microversion() v: ApiVersion, @Query() query: ListQuery) {
    enforce(caller, 'os_compute_api:os-hypervisors:list-detail');
    return this.listed(query, v, (entry) => hypervisorDetail(entry, v));
  }

  @Returns(200, wrapped('hypervisor_statistics', mapOf(int)))
  @Get('statistics')
  async statistics(@Caller() caller: AuthContext, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-hypervisors:list-detail');
    if (v.atLeast('2.88')) throw versionNotFound();
    const nodes = (await this.store.all()).map(({ node }) => node);
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

  /** GET /{id}/uptime (2.1 – 2.87): the summary plus the host's uptime line; 2.88 folds it into detail. */
  @Returns(200, wrapped('hypervisor', HYPERVISOR))
  @Get(':id/uptime')
  async uptime(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-hypervisors:uptime');
    if (v.atLeast('2.88')) throw versionNotFound();
    const entry = await this.store.byId(id, v);
    if (!entry.up) throw badRequest(`Compute service of ${entry.node.host} is unavailable at this time.`);
    return { hypervisor: { ...hypervisorSummary(entry, v), uptime: FAKE_UPTIME } };
  }

  /** GET /{pattern}/search (2.1 – 2.52): summaries of the hypervisors whose hostname matches. */
  @Returns(200, wrapped('hypervisors', arr(HYPERVISOR)))
  @Get(':pattern/search')
  async search(
    @Caller() caller: AuthContext,
    @Param('pattern') pattern: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-hypervisors:search');
    if (v.atLeast(UUID_FOR_ID_MIN_VERSION)) throw versionNotFound();
    return { hypervisors: (await this.store.matching(pattern)).map((entry) => hypervisorSummary(entry, v)) };
  }

  /** GET /{pattern}/servers (2.1 – 2.52): the same, each with the servers on it (when it has some). */
  @Returns(200, wrapped('hypervisors', arr(HYPERVISOR)))
  @Get(':pattern/servers')
  async servers(
    @Caller() caller: AuthContext,
    @Param('pattern') pattern: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-hypervisors:servers');
    if (v.atLeast(UUID_FOR_ID_MIN_VERSION)) throw versionNotFound();
    const hypervisors = [];
    for (const entry of await this.store.matching(pattern)) {
      const hosted = await this.store.serversOn(entry.node.host);
      hypervisors.push(withServers(hypervisorSummary(entry, v), hosted, v));
    }
    return { hypervisors };
  }

  @QueryParams({ with_servers: str })
  @Returns(200, wrapped('hypervisor', HYPERVISOR))
  @Get(':id')
  async show(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Microversion() v: ApiVersion,
    @Query('with_servers') withServersParam?: string,
  ) {
    enforce(caller, 'os_compute_api:os-hypervisors:show');
    const servers =
      v.atLeast(UUID_FOR_ID_MIN_VERSION) && withServersParam !== undefined && strictBool(withServersParam);
    const entry = await this.store.byId(id, v);
    const hosted = servers ? await this.store.serversOn(entry.node.host) : undefined;
    return { hypervisor: withServers(hypervisorDetail(entry, v), hosted, v) };
  }
}
