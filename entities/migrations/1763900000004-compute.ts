import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nova's compute tables: flavors and their access, quotas, key pairs, instances with metadata,
 * faults and actions, server groups, and placement-style allocations against compute nodes.
 */
export class Compute1763900000004 implements MigrationInterface {
  name = 'Compute1763900000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE flavors (
        id serial PRIMARY KEY,
        flavorid varchar(255) NOT NULL UNIQUE,
        name varchar(255) NOT NULL UNIQUE,
        memory_mb integer NOT NULL,
        vcpus integer NOT NULL,
        root_gb integer NOT NULL,
        ephemeral_gb integer NOT NULL DEFAULT 0,
        swap integer NOT NULL DEFAULT 0,
        rxtx_factor double precision NOT NULL DEFAULT 1.0,
        disabled boolean NOT NULL DEFAULT false,
        is_public boolean NOT NULL DEFAULT true,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE flavor_extra_specs (
        flavor_id integer NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,
        key varchar(255) NOT NULL,
        value varchar(255) NOT NULL,
        PRIMARY KEY (flavor_id, key)
      )`);
    await q.query(`
      CREATE TABLE flavor_projects (
        flavor_id integer NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,
        project_id varchar(255) NOT NULL,
        PRIMARY KEY (flavor_id, project_id)
      )`);
    await q.query(`
      CREATE TABLE quotas (
        project_id varchar(255) NOT NULL,
        resource varchar(255) NOT NULL,
        hard_limit integer NOT NULL,
        PRIMARY KEY (project_id, resource)
      )`);
    await q.query(`
      CREATE TABLE key_pairs (
        id serial PRIMARY KEY,
        name varchar(255) NOT NULL,
        user_id varchar(255) NOT NULL,
        fingerprint varchar(255) NOT NULL,
        public_key text NOT NULL,
        type varchar(16) NOT NULL DEFAULT 'ssh',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uniq_key_pairs_user_name UNIQUE (user_id, name)
      )`);
    await q.query(`
      CREATE TABLE instances (
        id serial UNIQUE,
        uuid uuid PRIMARY KEY,
        display_name varchar(255) NOT NULL,
        display_description text,
        hostname varchar(255) NOT NULL,
        project_id varchar(255) NOT NULL,
        user_id varchar(255) NOT NULL,
        flavor jsonb NOT NULL,
        vcpus integer NOT NULL,
        memory_mb integer NOT NULL,
        root_gb integer NOT NULL,
        ephemeral_gb integer NOT NULL,
        image_ref varchar(255) NOT NULL,
        kernel_id varchar(255) NOT NULL DEFAULT '',
        ramdisk_id varchar(255) NOT NULL DEFAULT '',
        vm_state varchar(255) NOT NULL,
        task_state varchar(255),
        task_id varchar(512),
        power_state integer NOT NULL DEFAULT 0,
        host varchar(255),
        node varchar(255),
        availability_zone varchar(255),
        requested_availability_zone varchar(255),
        key_name varchar(255),
        key_data text,
        user_data text,
        reservation_id varchar(255) NOT NULL,
        launch_index integer NOT NULL DEFAULT 0,
        access_ip_v4 varchar(64),
        access_ip_v6 varchar(64),
        config_drive varchar(255) NOT NULL DEFAULT '',
        locked boolean NOT NULL DEFAULT false,
        locked_reason text,
        progress integer NOT NULL DEFAULT 0,
        root_device_name varchar(255),
        request_spec jsonb NOT NULL,
        launched_at timestamptz,
        terminated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        deleted_at timestamptz
      )`);
    await q.query(
      'CREATE INDEX idx_instances_project ON instances (project_id, created_at) WHERE deleted_at IS NULL',
    );
    await q.query('CREATE INDEX idx_instances_host ON instances (host) WHERE deleted_at IS NULL');
    await q.query('CREATE INDEX idx_instances_updated ON instances (updated_at)');
    await q.query(`
      CREATE TABLE instance_metadata (
        instance_uuid uuid NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
        key varchar(255) NOT NULL,
        value varchar(255) NOT NULL,
        PRIMARY KEY (instance_uuid, key)
      )`);
    await q.query(`
      CREATE TABLE instance_faults (
        id serial PRIMARY KEY,
        instance_uuid uuid NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
        code integer NOT NULL,
        message text NOT NULL,
        details text,
        host varchar(255),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX idx_instance_faults_instance ON instance_faults (instance_uuid, created_at)');
    await q.query(`
      CREATE TABLE instance_actions (
        id serial PRIMARY KEY,
        instance_uuid uuid NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
        request_id varchar(255) NOT NULL,
        action varchar(255) NOT NULL,
        project_id varchar(255) NOT NULL,
        user_id varchar(255) NOT NULL,
        start_time timestamptz NOT NULL DEFAULT now(),
        finish_time timestamptz,
        message varchar(255),
        updated_at timestamptz,
        CONSTRAINT uniq_instance_actions_request UNIQUE (instance_uuid, request_id)
      )`);
    await q.query(`
      CREATE TABLE instance_action_events (
        id serial PRIMARY KEY,
        action_id integer NOT NULL REFERENCES instance_actions(id) ON DELETE CASCADE,
        event varchar(255) NOT NULL,
        start_time timestamptz NOT NULL DEFAULT now(),
        finish_time timestamptz,
        result varchar(255),
        traceback text,
        host varchar(255),
        details text
      )`);
    await q.query('CREATE INDEX idx_instance_action_events_action ON instance_action_events (action_id)');
    await q.query(`
      CREATE TABLE server_groups (
        id serial UNIQUE,
        uuid uuid PRIMARY KEY,
        name varchar(255) NOT NULL,
        project_id varchar(255) NOT NULL,
        user_id varchar(255) NOT NULL,
        policy varchar(255) NOT NULL,
        rules jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE server_group_members (
        group_uuid uuid NOT NULL REFERENCES server_groups(uuid) ON DELETE CASCADE,
        instance_uuid uuid NOT NULL,
        PRIMARY KEY (group_uuid, instance_uuid)
      )`);
    await q.query('CREATE INDEX idx_server_group_members_instance ON server_group_members (instance_uuid)');
    // Placement: what each consumer (an instance) uses of each resource provider (a compute node).
    await q.query(`
      CREATE TABLE allocations (
        consumer_id uuid NOT NULL,
        compute_node_id integer NOT NULL REFERENCES compute_nodes(id) ON DELETE CASCADE,
        vcpus integer NOT NULL,
        memory_mb integer NOT NULL,
        disk_gb integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_id, compute_node_id)
      )`);
    await q.query('CREATE INDEX idx_allocations_node ON allocations (compute_node_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'allocations',
      'server_group_members',
      'server_groups',
      'instance_action_events',
      'instance_actions',
      'instance_faults',
      'instance_metadata',
      'instances',
      'key_pairs',
      'quotas',
      'flavor_projects',
      'flavor_extra_specs',
      'flavors',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
