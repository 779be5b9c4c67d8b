import { type DataSource } from 'typeorm';
import { InstanceAction } from '../../../../entities';
import { badRequest } from '../../common/api-error';
import { dateTimeParam } from '../iso-time';
import { type ApiVersion } from '../microversion';

type Query = Record<string, unknown>;

const last = (value: unknown) => String(Array.isArray(value) ? value.at(-1) : value);

/** Nova's list_query_params_v258/v266: no other parameter is allowed (additionalProperties false). */
function checkKnown(query: Query, v: ApiVersion): void {
  const known = ['limit', 'marker', 'changes-since', ...(v.atLeast('2.66') ? ['changes-before'] : [])];
  const extra = Object.keys(query).filter((key) => !known.includes(key));
  if (extra.length === 0) return;
  const names = extra.map((key) => `'${key}'`).join(', ');
  throw badRequest(
    `Additional properties are not allowed (${names} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
  );
}

/** limit as parameter_types.non_negative_integer checks it, then capped at [api] max_limit. */
function limitParam(query: Query, maxLimit: number): number {
  if (query.limit === undefined) return maxLimit;
  const value = last(query.limit);
  const fail = (why: string) =>
    badRequest(`Invalid input for query parameters limit. Value: ${value}. '${value}' ${why}`);
  if (value === '') throw fail('is too short');
  if (!/^[0-9]*$/.test(value)) throw fail("does not match '^[0-9]*$'");
  return Math.min(Number(value), maxLimit);
}

export interface ActionPage {
  actions: InstanceAction[];
  limit: number;
}

/**
 * GET /servers/{id}/os-instance-actions from 2.58: newest first, paged by request id, filtered on
 * the last update (changes-since, and from 2.66 changes-before).
 */
export async function instanceActionPage(
  dataSource: DataSource,
  instanceUuid: string,
  query: Query,
  v: ApiVersion,
  maxLimit: number,
): Promise<ActionPage> {
  checkKnown(query, v);
  const since =
    query['changes-since'] !== undefined ? dateTimeParam('changes-since', query['changes-since']) : undefined;
  const before =
    query['changes-before'] !== undefined
      ? dateTimeParam('changes-before', query['changes-before'])
      : undefined;
  if (since && before && before < since)
    throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  const limit = limitParam(query, maxLimit);
  const builder = dataSource
    .getRepository(InstanceAction)
    .createQueryBuilder('a')
    .where('a.instance_uuid = :instanceUuid', { instanceUuid })
    .orderBy('a.start_time', 'DESC')
    .addOrderBy('a.id', 'DESC');
  if (since) builder.andWhere('COALESCE(a.updated_at, a.start_time) >= :since', { since });
  if (before) builder.andWhere('COALESCE(a.updated_at, a.start_time) <= :before', { before });
  if (query.marker !== undefined) {
    const marker = await dataSource
      .getRepository(InstanceAction)
      .findOneBy({ instanceUuid, requestId: last(query.marker) });
    // Nova 26.2.2 overwrites the marker with the (missing) row before raising, hence "None".
    if (!marker) throw badRequest('Marker None could not be found.');
    // Compared in SQL: start_time has microseconds, which a JavaScript Date would drop.
    builder.andWhere(
      '(a.start_time, a.id) < (SELECT m.start_time, m.id FROM instance_actions m WHERE m.id = :markerId)',
      { markerId: marker.id },
    );
  }
  if (limit === 0) return { actions: [], limit };
  return { actions: await builder.limit(limit).getMany(), limit };
}
