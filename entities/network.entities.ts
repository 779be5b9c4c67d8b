import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An IP range of a subnet's allocation pool, as Neutron writes it. */
export interface AllocationPool {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

/**
 * Neutron's standard attributes, which every network, subnet and port has: id, owner, name,
 * description, tags, revision number and timestamps.
 */
export abstract class NeutronResource {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('varchar', { length: 255, default: '' })
  name!: string;

  @Column('varchar', { name: 'project_id', length: 64 })
  projectId!: string;

  @Column('varchar', { length: 255, default: '' })
  description!: string;

  @Column('jsonb', { default: [] })
  tags!: string[];

  @Column('integer', { name: 'revision_number', default: 0 })
  revisionNumber!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A Neutron network: an L2 segment that subnets and ports belong to. */
@Entity('networks')
export class Network extends NeutronResource {
  @Column('boolean', { name: 'admin_state_up', default: true })
  adminStateUp!: boolean;

  /** Visible to, and usable for ports by, every project. */
  @Column('boolean', { default: false })
  shared!: boolean;

  /** Neutron's router:external. */
  @Column('boolean', { name: 'router_external', default: false })
  routerExternal!: boolean;

  @Column('varchar', { length: 16, default: 'ACTIVE' })
  status!: string;

  @Column('integer', { default: 1500 })
  mtu!: number;

  @Column('boolean', { name: 'port_security_enabled', default: true })
  portSecurityEnabled!: boolean;
}

@Entity('subnets')
export class Subnet extends NeutronResource {
  @Column('uuid', { name: 'network_id' })
  networkId!: string;

  @Column('smallint', { name: 'ip_version' })
  ipVersion!: 4 | 6;

  @Column('cidr')
  cidr!: string;

  @Column('inet', { name: 'gateway_ip', nullable: true })
  gatewayIp!: string | null;

  @Column('jsonb', { name: 'allocation_pools', default: [] })
  allocationPools!: AllocationPool[];

  @Column('boolean', { name: 'enable_dhcp', default: true })
  enableDhcp!: boolean;

  @Column('jsonb', { name: 'dns_nameservers', default: [] })
  dnsNameservers!: string[];

  @Column('jsonb', { name: 'host_routes', default: [] })
  hostRoutes!: HostRoute[];
}

export type PortStatus = 'DOWN' | 'ACTIVE';

/** Neutron's binding:profile: free-form JSON the compute service and drivers exchange. */
export type BindingProfile = Record<string, string | number | boolean | null | object>;

@Entity('ports')
export class Port extends NeutronResource {
  @Column('uuid', { name: 'network_id' })
  networkId!: string;

  @Column('varchar', { name: 'mac_address', length: 17 })
  macAddress!: string;

  /** The instance (or router...) using the port; empty when unused. */
  @Column('varchar', { name: 'device_id', length: 255, default: '' })
  deviceId!: string;

  @Column('varchar', { name: 'device_owner', length: 255, default: '' })
  deviceOwner!: string;

  /**
   * Internal, never shown: the instance the compute service bound the port to. Only
   * common/network/instance-ports.ts writes it; device_id is the tenant's to set and says nothing
   * about whose port it is (a tenant may name another project's server there).
   */
  @Column('uuid', { name: 'instance_uuid', nullable: true })
  instanceUuid!: string | null;

  /** Neutron's binding:host_id: the compute host the port is plugged on. */
  @Column('varchar', { name: 'binding_host_id', length: 255, default: '' })
  bindingHostId!: string;

  @Column('varchar', { name: 'binding_vnic_type', length: 64, default: 'normal' })
  bindingVnicType!: string;

  @Column('jsonb', { name: 'binding_profile', default: {} })
  bindingProfile!: BindingProfile;

  @Column('boolean', { name: 'admin_state_up', default: true })
  adminStateUp!: boolean;

  @Column('varchar', { length: 16, default: 'DOWN' })
  status!: PortStatus;

  @Column('boolean', { name: 'port_security_enabled', default: true })
  portSecurityEnabled!: boolean;

  /**
   * Internal, never shown: false when the compute service created the port for an instance (so
   * deleting the instance deletes the port), true when a user created it (deleting the instance
   * only unbinds it).
   */
  @Column('boolean', { name: 'preserve_on_delete', default: true })
  preserveOnDelete!: boolean;
}

/** One address of a port on one subnet. */
@Entity('ip_allocations')
export class IpAllocation {
  @PrimaryColumn('uuid', { name: 'port_id' })
  portId!: string;

  @Column('uuid', { name: 'subnet_id' })
  subnetId!: string;

  @PrimaryColumn('inet', { name: 'ip_address' })
  ipAddress!: string;
}
