import { Inject, Injectable } from '@nestjs/common';
import { Any, DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { statesForStatus } from '../../../../common/compute/instance-states';
import { isServiceUp } from '../../../../common/compute/service-liveness';
import { instanceAddresses } from '../../../../common/network';
import { type Settings } from '../../../../common/config';
import { Instance, InstanceFault, Service } from '../../../../entities';
import { ApiError, notFound } from '../../common/api-error';
import { INVALID_REGULAR_EXPRESSION, QUERY_CANCELED, sqlState } from '../../common/database-errors';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { allowed, enforce } from '../../common/policy';
import { SETTINGS } from '../../settings.module';
import { strictBool } from '../bool-param';
import { dateTimeParam } from '../iso-time';
import { type ApiVersion } from '../microversion';
import { paginationParams } from '../pagination';
import {
  checkListParams,
  checkRegexParams,
  filterColumns,
  filterTags,
  userFilters,
} from './server-list-params';
import { type ServerExtras, UNVIEWED_PROPERTIES, type ViewedInstance } from './server.view';

export const instanceNotFound = (uuid: string) => notFound(`Instance ${uuid} could not be found.`);

/** Sort keys Nova accepts for servers, by column. */
const SORT_KEYS: Record<string, string> = {
  created_at: 'i.created_at',
  updated_at: 'i.updated_at',
  launched_at: 'i.launched_at',
  terminated_at: 'i.terminated_at',
  display_name: 'i.display_name',
  uuid: 'i.uuid',
  vm_state: 'i.vm_state',
  task_state: 'i.task_state',
  power_state: 'i.power_state',
  availability_zone: 'i.availability_zone',
  key_name: 'i.key_name',
  project_id: 'i.project_id',
  user_id: 'i.user_id',
  host: 'i.host',
  node: 'i.node',
  hostname: 'i.hostname',
};
const ADMIN_SORT_KEYS = ['host', 'node'];

type Query = Record<string, unknown>;

const single = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);
const many = (value: unknown) => (value === undefined ? [] : ([] as unknown[]).concat(value).map(String));
const truthy = (value: unknown) =>
  ['true', '1', 'yes', 'on', ''].includes(String(single(value)).toLowerCase());

/** Reads servers as the caller may see them: its project's, or any for admins (404 otherwise). */
@Injectable()
export class ServerReader {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** A live (not deleted) instance visible to the caller, or Nova's 404. */
  async find(
    caller: AuthContext,
    uuid: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Instance> {
    const instance = /^[0-9a-f-]{36}$/i.test(uuid)
      ? await db.getRepository(Instance).findOneBy({ uuid })
      : null;
    if (!instance || instance.deletedAt || (!isAdmin(caller) && instance.projectId !== caller.projectId)) {
      throw instanceNotFound(uuid);
    }
    return instance;
  }

  /** GET /servers and /servers/detail: Nova's filters, sorting and marker pagination. */
  async list(
    caller: AuthContext,
    query: Query,
    version: ApiVersion,
    detail = false,
  ): Promise<{ instances: ViewedInstance[]; limit: number }> {
    const admin = isAdmin(caller);
    // Nova's remove_invalid_options: without allow_all_filters, filters outside the caller's list
    // for the microversion are dropped, not refused.
    const allFilters = allowed(caller, 'os_compute_api:servers:allow_all_filters');
    checkListParams(query, version, allFilters);
    const regexFilters = checkRegexParams(query, version);
    const permitted = userFilters(version);
    const may = (name: string) => allFilters || permitted.has(name);
    const { limit, marker } = paginationParams(query, this.settings.config.api.max_limit);
    const builder = this.dataSource
      .getRepository(Instance)
      .createQueryBuilder('i')
      .select(this.viewedColumns().map(([property]) => `i.${property}`));

    // Nova's _get_servers: all_tenants (strict bool, '' meaning true) needs the get_all_tenants
    // policy, even from a non-admin (403); without it tenant_id/project_id are ignored and the
    // caller's own project listed (lp:#1185290). Non-admins' tenant_id is stripped as unknown.
    const allTenants =
      query.all_tenants !== undefined &&
      (String(single(query.all_tenants)) === '' || strictBool(String(single(query.all_tenants))));
    const projectFilter = single(query.project_id ?? query.tenant_id);
    if (allTenants) {
      enforce(caller, `os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants`);
      if (projectFilter !== undefined)
        builder.andWhere('i.project_id = :project', { project: String(projectFilter) });
    } else {
      builder.andWhere('i.project_id = :project', { project: caller.projectId });
    }

    const changesSince =
      query['changes-since'] !== undefined
        ? dateTimeParam('changes-since', query['changes-since'])
        : undefined;
    const changesBefore =
      may('changes-before') && query['changes-before'] !== undefined
        ? dateTimeParam('changes-before', query['changes-before'])
        : undefined;
    if (changesSince && changesBefore && changesBefore < changesSince) {
      throw new ApiError(
        'badRequest',
        'The value of changes-since must be less than or equal to changes-before.',
      );
    }
    const showDeleted =
      (admin && query.deleted !== undefined && truthy(query.deleted)) || changesSince || changesBefore;
    // As Nova's instance_get_all_by_filters: a list of live servers leaves soft-deleted ones out
    // too (GET /servers/{id} still shows them); admins see both with deleted=true.
    if (!showDeleted) builder.andWhere(`i.deleted_at IS NULL AND i.vm_state <> 'soft-delete'`);
    if (changesSince) builder.andWhere('i.updated_at >= :changesSince', { changesSince });
    if (changesBefore) builder.andWhere('i.updated_at <= :changesBefore', { changesBefore });

    // Nova's `locked` filter (2.73); before 2.73 its query schema drops the parameter.
    if (version.atLeast('2.73') && query.locked !== undefined) {
      builder.andWhere('i.locked = :locked', {
        locked: strictBool(String(single(query.locked))),
      });
    }
    if (query.name !== undefined)
      builder.andWhere('i.display_name ~ :name', { name: String(single(query.name)) });
    if (query.status !== undefined)
      this.filterStatus(
        builder,
        many(query.status).map((s) => s.toUpperCase()),
      );
    if (query.image !== undefined)
      builder.andWhere('i.image_ref = :image', { image: String(single(query.image)) });
    if (query.flavor !== undefined) {
      builder.andWhere(`i.flavor->>'flavorid' = :flavor`, { flavor: String(single(query.flavor)) });
    }
    // Nova asks Neutron for the ports matching ip or ip6 (2.5), whatever the address family.
    const ips = [query.ip, may('ip6') ? query.ip6 : undefined].filter((ip) => ip !== undefined);
    if (ips.length > 0) {
      builder.andWhere(
        `EXISTS (SELECT 1 FROM ports p JOIN ip_allocations a ON a.port_id = p.id
                  WHERE p.instance_uuid = i.uuid AND host(a.ip_address) ~ ANY(:ips))`,
        { ips: ips.map((ip) => String(single(ip))) },
      );
    }
    filterColumns(builder, query, may, (value) => String(single(value)));
    if (version.atLeast('2.26')) filterTags(builder, query, may, (value) => String(single(value)));

    const sortKeys = many(query.sort_key);
    const sortDirs = many(query.sort_dir).map((dir) => dir.toLowerCase());
    const keys = (sortKeys.length > 0 ? sortKeys : ['created_at']).map((key, index) => {
      if (!Object.hasOwn(SORT_KEYS, key) || (!admin && ADMIN_SORT_KEYS.includes(key))) {
        throw new ApiError('badRequest', `Invalid sort_key: ${key}`);
      }
      const dir = sortDirs[index] ?? sortDirs[0] ?? 'desc';
      if (dir !== 'asc' && dir !== 'desc') throw new ApiError('badRequest', `Invalid sort_dir: ${dir}`);
      return { column: SORT_KEYS[key], dir: dir.toUpperCase() as 'ASC' | 'DESC' };
    });
    const tiebreak = { column: 'i.id', dir: keys[keys.length - 1].dir };

    if (marker !== undefined) {
      // As Nova's project_only lookup: a marker the caller may not see is as unknown as one that
      // does not exist (the same 400), so another project's server ids cannot be probed.
      const markerRow = /^[0-9a-f-]{36}$/i.test(marker)
        ? await this.dataSource
            .getRepository(Instance)
            .findOneBy({ uuid: marker, ...(!allTenants && { projectId: caller.projectId ?? '' }) })
        : null;
      if (!markerRow) throw new ApiError('badRequest', `marker [${marker}] not found`);
      this.afterMarker(builder, [...keys, tiebreak], markerRow.uuid);
    }
    keys.forEach(({ column, dir }, index) =>
      index === 0
        ? builder.orderBy(column, dir, 'NULLS LAST')
        : builder.addOrderBy(column, dir, 'NULLS LAST'),
    );
    builder.addOrderBy(tiebreak.column, tiebreak.dir);
    builder.take(limit);
    try {
      return { instances: this.toInstances(await builder.getRawMany()), limit };
    } catch (error) {
      // A pattern that makes PostgreSQL's regex engine run past [database] statement_timeout (or
      // one it cannot compile) is the caller's bad filter, not the service's failure.
      const code = sqlState(error);
      if (regexFilters && (code === QUERY_CANCELED || code === INVALID_REGULAR_EXPRESSION))
        throw new ApiError(
          'badRequest',
          code === QUERY_CANCELED
            ? 'Invalid input for query parameters: the regular expression filters took longer to match than the database allows ([database] statement_timeout).'
            : `Invalid input for query parameters: ${(error as Error).message}`,
        );
      throw error;
    }
  }

  /** The properties a view reads, each with its column's alias in a raw row. */
  private viewedColumns(): (readonly [string, string])[] {
    const unviewed: readonly string[] = UNVIEWED_PROPERTIES;
    return (this.viewedColumnList ??= this.dataSource
      .getMetadata(Instance)
      .columns.filter((column) => !unviewed.includes(column.propertyName))
      .map((column) => [column.propertyName, `i_${column.databaseName}`] as const));
  }

  private viewedColumnList?: (readonly [string, string])[];

  /**
   * A page's rows as instances, column by column from the entity's metadata: TypeORM's own
   * hydration (getMany) costs more than the rest of a 1,000-server page.
   */
  private toInstances(rows: Record<string, unknown>[]): ViewedInstance[] {
    const columns = this.viewedColumns();
    return rows.map((row) => {
      const instance = Object.create(Instance.prototype) as Record<string, unknown>;
      for (const [property, alias] of columns) instance[property] = row[alias];
      return instance as unknown as ViewedInstance;
    });
  }

  private filterStatus(builder: SelectQueryBuilder<Instance>, statuses: string[]): void {
    const vmStates: string[] = [];
    const taskStates: string[] = [];
    let anyTask = false;
    for (const status of statuses) {
      const states = statesForStatus(status);
      if (!states) continue;
      vmStates.push(...states.vmStates);
      if (states.taskStates) taskStates.push(...states.taskStates);
      else anyTask = true;
    }
    if (vmStates.length === 0) {
      builder.andWhere('FALSE');
      return;
    }
    builder.andWhere('i.vm_state IN (:...vmStates)', { vmStates });
    if (!anyTask) builder.andWhere('i.task_state IN (:...taskStates)', { taskStates });
  }

  /** Rows strictly after the marker row in the sort order (a keyset condition over several keys). */
  private afterMarker(
    builder: SelectQueryBuilder<Instance>,
    keys: { column: string; dir: string }[],
    uuid: string,
  ): void {
    const clauses = keys.map((key, index) => {
      const equal = keys
        .slice(0, index)
        .map(
          (previous) =>
            `${previous.column} IS NOT DISTINCT FROM (SELECT ${previous.column.replace('i.', 'm.')} FROM instances m WHERE m.uuid = :markerUuid)`,
        );
      const op = key.dir === 'ASC' ? '>' : '<';
      const marker = `(SELECT ${key.column.replace('i.', 'm.')} FROM instances m WHERE m.uuid = :markerUuid)`;
      return [...equal, `${key.column} ${op} ${marker}`].join(' AND ');
    });
    builder.andWhere(`((${clauses.join(') OR (')}))`, { markerUuid: uuid });
  }

  /** Metadata, latest fault, addresses, host status, groups and tags of many instances, in a few queries. */
  async extras(instances: ViewedInstance[]): Promise<Map<string, ServerExtras>> {
    const uuids = instances.map((instance) => instance.uuid);
    const hosts = [...new Set(instances.map((instance) => instance.host).filter((host) => host !== null))];
    const db = this.dataSource.manager;
    // Raw statements with one array parameter each: TypeORM's In() builds one parameter per id.
    const [metadata, faults, addresses, services, groups, tags, securityGroups] = await Promise.all([
      db.query(
        'SELECT instance_uuid AS "instanceUuid", key, value FROM instance_metadata WHERE instance_uuid = ANY($1::uuid[])',
        [uuids],
      ) as Promise<{ instanceUuid: string; key: string; value: string }[]>,
      db
        .getRepository(InstanceFault)
        .createQueryBuilder('f')
        .distinctOn(['f.instance_uuid'])
        .where('f.instance_uuid = ANY(:uuids)', { uuids })
        .orderBy('f.instance_uuid')
        .addOrderBy('f.created_at', 'DESC')
        .addOrderBy('f.id', 'DESC')
        .getMany(),
      instanceAddresses(db, uuids),
      db.getRepository(Service).find({ where: { binary: 'nova-compute', host: Any(hosts) } }),
      db.query(
        'SELECT instance_uuid AS "instanceUuid", group_uuid AS "groupUuid" FROM server_group_members WHERE instance_uuid = ANY($1::uuid[])',
        [uuids],
      ) as Promise<{ instanceUuid: string; groupUuid: string }[]>,
      db.query(
        'SELECT instance_uuid AS "instanceUuid", tag FROM instance_tags WHERE instance_uuid = ANY($1::uuid[]) ORDER BY tag',
        [uuids],
      ) as Promise<{ instanceUuid: string; tag: string }[]>,
      this.securityGroups(db, uuids),
    ]);
    const downTime = this.settings.config.DEFAULT.service_down_time;
    const hostStatus = new Map(
      services.map((service) => [
        service.host,
        !isServiceUp(service, downTime) ? 'DOWN' : service.disabled ? 'MAINTENANCE' : 'UP',
      ]),
    );
    const extras = new Map<string, ServerExtras>(
      instances.map((instance) => [
        instance.uuid,
        {
          metadata: {},
          fault: undefined,
          addresses: addresses[instance.uuid] ?? {},
          hostStatus: instance.host ? (hostStatus.get(instance.host) ?? 'UNKNOWN') : '',
          serverGroups: [],
          tags: [],
          securityGroups: securityGroups.get(instance.uuid) ?? [],
        },
      ]),
    );
    for (const row of metadata) extras.get(row.instanceUuid)!.metadata[row.key] = row.value;
    for (const fault of faults) extras.get(fault.instanceUuid)!.fault = fault;
    for (const member of groups) extras.get(member.instanceUuid)!.serverGroups.push(member.groupUuid);
    for (const row of tags) extras.get(row.instanceUuid)!.tags.push(row.tag);
    return extras;
  }

  /** The groups of each instance's ports, port by port (oldest first), a name once per instance. */
  private async securityGroups(db: EntityManager, uuids: string[]): Promise<Map<string, string[]>> {
    const rows: { instance_uuid: string; name: string }[] = await db.query(
      `SELECT p.instance_uuid, coalesce(nullif(sg.name, ''), sg.id::text) AS name
         FROM ports p
         JOIN security_group_port_bindings b ON b.port_id = p.id
         JOIN security_groups sg ON sg.id = b.security_group_id
        WHERE p.instance_uuid = ANY($1::uuid[])
        ORDER BY p.created_at, p.id, sg.name, sg.id`,
      [uuids],
    );
    const byInstance = new Map<string, string[]>();
    for (const row of rows) {
      const names = byInstance.get(row.instance_uuid) ?? [];
      if (!names.includes(row.name)) names.push(row.name);
      byInstance.set(row.instance_uuid, names);
    }
    return byInstance;
  }
}
