import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nova's host aggregates (aggregates, aggregate_hosts, aggregate_metadata), and the rule that a
 * compute service's zone is the availability_zone of its aggregates. The zone lives in
 * services.zone, which the scheduler, the boot request and os-services read, while each host
 * report writes its configured default_availability_zone there: a trigger lets an aggregate's
 * zone win on every write, so a report never undoes an operator's zone. The API rewrites the
 * zone of the hosts an aggregate change touches, and the trigger recomputes it.
 */
export class Aggregates1764700000009 implements MigrationInterface {
  name = 'Aggregates1764700000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE aggregates (
         id serial PRIMARY KEY,
         uuid uuid NOT NULL UNIQUE,
         name varchar(255) NOT NULL UNIQUE,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz
       )`,
    );
    await q.query(
      `CREATE TABLE aggregate_hosts (
         aggregate_id integer NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,
         host varchar(255) NOT NULL,
         PRIMARY KEY (aggregate_id, host)
       )`,
    );
    await q.query('CREATE INDEX aggregate_hosts_host_idx ON aggregate_hosts (host)');
    await q.query(
      `CREATE TABLE aggregate_metadata (
         aggregate_id integer NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,
         key varchar(255) NOT NULL,
         value varchar(255) NOT NULL,
         PRIMARY KEY (aggregate_id, key)
       )`,
    );
    // Nova's get_host_availability_zone: the first aggregate of the host that names a zone.
    // Volatile, so a report that waited on the API's row lock reads the aggregates just committed.
    await q.query(
      `CREATE FUNCTION aggregate_zone_of(host_name varchar) RETURNS varchar LANGUAGE sql VOLATILE AS $$
         SELECT m.value FROM aggregate_hosts h
           JOIN aggregate_metadata m ON m.aggregate_id = h.aggregate_id AND m.key = 'availability_zone'
          WHERE h.host = host_name ORDER BY h.aggregate_id LIMIT 1
       $$`,
    );
    await q.query(
      `CREATE FUNCTION services_zone_from_aggregates() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW."binary" = 'nova-compute' THEN
           NEW.zone := coalesce(aggregate_zone_of(NEW.host), NEW.zone);
         END IF;
         RETURN NEW;
       END $$`,
    );
    await q.query(
      `CREATE TRIGGER services_zone_from_aggregates BEFORE INSERT OR UPDATE ON services
         FOR EACH ROW EXECUTE FUNCTION services_zone_from_aggregates()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER services_zone_from_aggregates ON services');
    await q.query('DROP FUNCTION services_zone_from_aggregates()');
    await q.query('DROP FUNCTION aggregate_zone_of(varchar)');
    await q.query('DROP TABLE aggregate_metadata');
    await q.query('DROP TABLE aggregate_hosts');
    await q.query('DROP TABLE aggregates');
  }
}
