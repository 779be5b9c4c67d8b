import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { type Settings } from '../../../../common/config';
import { badRequest, conflict, notFound } from '../../common/api-error';
import { SETTINGS } from '../../settings.module';
import { parseInteger } from '../services/resource-ids';
import { type AggregateRecord, loadAggregates, writeMetadata } from './aggregate-store';
import { assertSafeZoneChange, refreshHostZones, unsafeZoneChange } from './aggregate-zones';

const isUniqueViolation = (error: unknown) =>
  error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';

/** Nova's AggregateAPI: each change one transaction, with the aggregate row locked. */
@Injectable()
export class AggregatesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private get defaultZone(): string {
    return this.settings.config.DEFAULT.default_availability_zone;
  }

  list(): Promise<AggregateRecord[]> {
    return loadAggregates(this.dataSource.manager);
  }

  get(id: string): Promise<AggregateRecord> {
    return this.find(this.dataSource.manager, id);
  }

  /** utils.validate_integer(id, 'id'), then Aggregate.get_by_id. */
  private async find(db: EntityManager, id: string, lock = false): Promise<AggregateRecord> {
    const number = parseInteger(id);
    if (number === null) throw badRequest('Invalid input received: id must be an integer');
    const [aggregate] =
      Number.isSafeInteger(number) && number > 0 && number < 2 ** 31
        ? await loadAggregates(db, number, lock)
        : [];
    if (!aggregate) throw notFound(`Aggregate ${id} could not be found.`);
    return aggregate;
  }

  /** Runs `work` in a transaction, a duplicate name becoming Nova's 409. */
  private async change<T>(name: string | undefined, work: (db: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (name !== undefined && isUniqueViolation(error)) throw conflict(`Aggregate ${name} already exists.`);
      throw error;
    }
  }

  async create(name: string, zone: string | null | undefined): Promise<AggregateRecord> {
    return this.change(name, async (db) => {
      const [{ id }]: { id: number }[] = await db.query(
        'INSERT INTO aggregates (uuid, name) VALUES ($1, $2) RETURNING id',
        [randomUUID(), name],
      );
      if (zone) {
        await db.query(
          `INSERT INTO aggregate_metadata (aggregate_id, key, value) VALUES ($1, 'availability_zone', $2)`,
          [id, zone],
        );
      }
      return this.find(db, String(id));
    });
  }

  /** A new name, and an availability_zone written to the metadata as Nova's update_aggregate does. */
  async update(
    id: string,
    values: { name?: string; availability_zone?: string | null },
  ): Promise<AggregateRecord> {
    return this.change(values.name, async (db) => {
      const aggregate = await this.find(db, id, true);
      if (values.name !== undefined) {
        await db.query('UPDATE aggregates SET name = $2, updated_at = now() WHERE id = $1', [
          aggregate.id,
          values.name,
        ]);
      }
      if ('availability_zone' in values) {
        const metadata = { availability_zone: values.availability_zone ?? null };
        await assertSafeZoneChange(db, aggregate, metadata, 'update');
        await writeMetadata(db, aggregate.id, metadata);
        await refreshHostZones(db, aggregate.hosts, this.defaultZone);
      }
      return this.find(db, id);
    });
  }

  async delete(id: string): Promise<void> {
    await this.change(undefined, async (db) => {
      const aggregate = await this.find(db, id, true);
      if (aggregate.hosts.length > 0) {
        throw badRequest(
          `Cannot remove host from aggregate ${aggregate.id}. Reason: Host aggregate is not empty.`,
        );
      }
      await db.query('DELETE FROM aggregates WHERE id = $1', [aggregate.id]);
    });
  }

  async addHost(id: string, host: string): Promise<AggregateRecord> {
    return this.change(undefined, async (db) => {
      if (!(await this.isComputeHost(db, host))) throw notFound(`Compute host ${host} could not be found.`);
      const aggregate = await this.find(db, id, true);
      // Nova answers a host that would land in two zones with a 409 here, unlike update's 400.
      const reason = await unsafeZoneChange(db, aggregate, aggregate.metadata, [host], false);
      if (reason) throw conflict(`Cannot add host to aggregate ${aggregate.id}. Reason: ${reason}.`);
      if (aggregate.hosts.includes(host)) {
        throw conflict(`Aggregate ${aggregate.id} already has host ${host}.`);
      }
      await db.query('INSERT INTO aggregate_hosts (aggregate_id, host) VALUES ($1, $2)', [
        aggregate.id,
        host,
      ]);
      await refreshHostZones(db, [host], this.defaultZone);
      return this.find(db, id);
    });
  }

  async removeHost(id: string, host: string): Promise<AggregateRecord> {
    return this.change(undefined, async (db) => {
      const aggregate = await this.find(db, id, true);
      if (!(await this.isComputeHost(db, host)) || !aggregate.hosts.includes(host)) {
        throw notFound(`Cannot remove host ${host} in aggregate ${id}`);
      }
      await db.query('DELETE FROM aggregate_hosts WHERE aggregate_id = $1 AND host = $2', [
        aggregate.id,
        host,
      ]);
      await refreshHostZones(db, [host], this.defaultZone);
      return this.find(db, id);
    });
  }

  async setMetadata(id: string, metadata: Record<string, string | null>): Promise<AggregateRecord> {
    return this.change(undefined, async (db) => {
      const aggregate = await this.find(db, id, true);
      await assertSafeZoneChange(db, aggregate, metadata, 'set_metadata');
      await writeMetadata(db, aggregate.id, metadata);
      if ('availability_zone' in metadata) await refreshHostZones(db, aggregate.hosts, this.defaultZone);
      return this.find(db, id);
    });
  }

  /** Service.get_by_compute_host: the host runs a nova-compute service. */
  private async isComputeHost(db: EntityManager, host: string): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `SELECT 1 FROM services WHERE "binary" = 'nova-compute' AND host = $1`,
      [host],
    );
    return rows.length > 0;
  }
}
