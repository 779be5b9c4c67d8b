import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Neutron's core subset: networks, subnets, ports and the IP allocations that tie ports to
 * subnets. Project ids are Keystone's but carry no foreign key: as in Neutron, deleting a project
 * does not cascade into the network service.
 */
export class Network1763900000003 implements MigrationInterface {
  name = 'Network1763900000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE networks (
        id uuid PRIMARY KEY,
        name varchar(255) NOT NULL DEFAULT '',
        project_id varchar(64) NOT NULL,
        description varchar(255) NOT NULL DEFAULT '',
        admin_state_up boolean NOT NULL DEFAULT true,
        shared boolean NOT NULL DEFAULT false,
        router_external boolean NOT NULL DEFAULT false,
        status varchar(16) NOT NULL DEFAULT 'ACTIVE',
        mtu integer NOT NULL DEFAULT 1500,
        port_security_enabled boolean NOT NULL DEFAULT true,
        tags jsonb NOT NULL DEFAULT '[]',
        revision_number integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query('CREATE INDEX idx_networks_project ON networks (project_id)');
    await q.query(`
      CREATE TABLE subnets (
        id uuid PRIMARY KEY,
        network_id uuid NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        name varchar(255) NOT NULL DEFAULT '',
        project_id varchar(64) NOT NULL,
        description varchar(255) NOT NULL DEFAULT '',
        ip_version smallint NOT NULL CHECK (ip_version IN (4, 6)),
        cidr cidr NOT NULL,
        gateway_ip inet,
        allocation_pools jsonb NOT NULL DEFAULT '[]',
        enable_dhcp boolean NOT NULL DEFAULT true,
        dns_nameservers jsonb NOT NULL DEFAULT '[]',
        host_routes jsonb NOT NULL DEFAULT '[]',
        tags jsonb NOT NULL DEFAULT '[]',
        revision_number integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query('CREATE INDEX idx_subnets_network ON subnets (network_id)');
    // preserve_on_delete is Nova's name: false for ports the compute service created (deleted with
    // the instance), true for ports a user created and passed in (only unbound).
    await q.query(`
      CREATE TABLE ports (
        id uuid PRIMARY KEY,
        network_id uuid NOT NULL REFERENCES networks(id),
        name varchar(255) NOT NULL DEFAULT '',
        project_id varchar(64) NOT NULL,
        description varchar(255) NOT NULL DEFAULT '',
        mac_address varchar(17) NOT NULL,
        device_id varchar(255) NOT NULL DEFAULT '',
        device_owner varchar(255) NOT NULL DEFAULT '',
        binding_host_id varchar(255) NOT NULL DEFAULT '',
        binding_vnic_type varchar(64) NOT NULL DEFAULT 'normal',
        binding_profile jsonb NOT NULL DEFAULT '{}',
        admin_state_up boolean NOT NULL DEFAULT true,
        status varchar(16) NOT NULL DEFAULT 'DOWN' CHECK (status IN ('DOWN', 'ACTIVE')),
        port_security_enabled boolean NOT NULL DEFAULT true,
        preserve_on_delete boolean NOT NULL DEFAULT true,
        tags jsonb NOT NULL DEFAULT '[]',
        revision_number integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT uniq_ports_network_mac UNIQUE (network_id, mac_address)
      )`);
    await q.query('CREATE INDEX idx_ports_project ON ports (project_id)');
    await q.query('CREATE INDEX idx_ports_device ON ports (device_id)');
    // The unique (subnet, address) pair is the last guard against handing out one address twice.
    await q.query(`
      CREATE TABLE ip_allocations (
        port_id uuid NOT NULL REFERENCES ports(id) ON DELETE CASCADE,
        subnet_id uuid NOT NULL REFERENCES subnets(id),
        ip_address inet NOT NULL,
        PRIMARY KEY (port_id, ip_address),
        CONSTRAINT uniq_ip_allocations_subnet_address UNIQUE (subnet_id, ip_address)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['ip_allocations', 'ports', 'subnets', 'networks']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
