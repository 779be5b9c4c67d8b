import { Column, CreateDateColumn, Entity, Generated, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** The flavor an instance was built with, copied at boot: later flavor changes do not touch it. */
export interface FlavorSnapshot {
  flavorid: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swap: number;
  extraSpecs: Record<string, string>;
}

/** A network the user asked for at boot: a network, a port, or a fixed address on a network. */
export interface RequestedNetwork {
  networkId?: string;
  portId?: string;
  fixedIp?: string;
}

/** Nova's RequestSpec: what the scheduler needs to place (and later re-place) the instance. */
export interface RequestSpec {
  image: { id: string; properties: Record<string, string> };
  networks: 'auto' | 'none' | RequestedNetwork[];
  availabilityZone?: string;
  /** An admin's `az:host` or `az:host:node`: skip filters for that host. */
  forcedHost?: string;
  groupUuid?: string;
  sameHost?: string[];
  differentHost?: string[];
  /** The groups the instance's new ports join (ids); undefined: the project's default one. */
  securityGroups?: string[];
}

@Entity('instances')
export class Instance {
  @PrimaryColumn('uuid')
  uuid!: string;

  @Column('integer')
  @Generated('increment')
  id!: number;

  @Column('varchar', { name: 'display_name', length: 255 })
  displayName!: string;

  @Column('text', { name: 'display_description', nullable: true })
  displayDescription!: string | null;

  @Column('varchar', { length: 255 })
  hostname!: string;

  @Column('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('jsonb')
  flavor!: FlavorSnapshot;

  @Column('integer')
  vcpus!: number;

  @Column('integer', { name: 'memory_mb' })
  memoryMb!: number;

  @Column('integer', { name: 'root_gb' })
  rootGb!: number;

  @Column('integer', { name: 'ephemeral_gb' })
  ephemeralGb!: number;

  @Column('varchar', { name: 'image_ref', length: 255 })
  imageRef!: string;

  @Column('varchar', { name: 'kernel_id', length: 255, default: '' })
  kernelId!: string;

  @Column('varchar', { name: 'ramdisk_id', length: 255, default: '' })
  ramdiskId!: string;

  @Column('varchar', { name: 'vm_state', length: 255 })
  vmState!: string;

  @Column('varchar', { name: 'task_state', length: 255, nullable: true })
  taskState!: string | null;

  /** The Temporal workflow id of the one task running on this instance (Nova's task_id rule). */
  @Column('varchar', { name: 'task_id', length: 512, nullable: true })
  taskId!: string | null;

  @Column('integer', { name: 'power_state', default: 0 })
  powerState!: number;

  @Column('varchar', { length: 255, nullable: true })
  host!: string | null;

  @Column('varchar', { length: 255, nullable: true })
  node!: string | null;

  @Column('varchar', { name: 'availability_zone', length: 255, nullable: true })
  availabilityZone!: string | null;

  @Column('varchar', { name: 'requested_availability_zone', length: 255, nullable: true })
  requestedAvailabilityZone!: string | null;

  @Column('varchar', { name: 'key_name', length: 255, nullable: true })
  keyName!: string | null;

  @Column('text', { name: 'key_data', nullable: true })
  keyData!: string | null;

  @Column('text', { name: 'user_data', nullable: true })
  userData!: string | null;

  @Column('varchar', { name: 'reservation_id', length: 255 })
  reservationId!: string;

  @Column('integer', { name: 'launch_index', default: 0 })
  launchIndex!: number;

  @Column('varchar', { name: 'access_ip_v4', length: 64, nullable: true })
  accessIpV4!: string | null;

  @Column('varchar', { name: 'access_ip_v6', length: 64, nullable: true })
  accessIpV6!: string | null;

  @Column('varchar', { name: 'config_drive', length: 255, default: '' })
  configDrive!: string;

  @Column('boolean', { default: false })
  locked!: boolean;

  /** Who locked it, as Nova's: 'owner' or 'admin'; only an admin may undo an admin's lock. */
  @Column('varchar', { name: 'locked_by', length: 16, nullable: true })
  lockedBy!: 'owner' | 'admin' | null;

  @Column('text', { name: 'locked_reason', nullable: true })
  lockedReason!: string | null;

  @Column('integer', { default: 0 })
  progress!: number;

  @Column('varchar', { name: 'root_device_name', length: 255, nullable: true })
  rootDeviceName!: string | null;

  @Column('jsonb', { name: 'request_spec' })
  requestSpec!: RequestSpec;

  @Column('timestamptz', { name: 'launched_at', nullable: true })
  launchedAt!: Date | null;

  @Column('timestamptz', { name: 'terminated_at', nullable: true })
  terminatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}

@Entity('instance_metadata')
export class InstanceMetadata {
  @PrimaryColumn('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;

  @PrimaryColumn('varchar', { length: 255 })
  key!: string;

  @Column('varchar', { length: 255 })
  value!: string;
}

/** Why an instance went to ERROR, as GET /servers/{id} shows in `fault`. */
@Entity('instance_faults')
export class InstanceFault {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;

  @Column('integer')
  code!: number;

  @Column('text')
  message!: string;

  @Column('text', { nullable: true })
  details!: string | null;

  @Column('varchar', { length: 255, nullable: true })
  host!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One API request on an instance (os-instance-actions); its request id names it. */
@Entity('instance_actions')
export class InstanceAction {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;

  @Column('varchar', { name: 'request_id', length: 255 })
  requestId!: string;

  @Column('varchar', { length: 255 })
  action!: string;

  @Column('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('timestamptz', { name: 'start_time' })
  startTime!: Date;

  @Column('timestamptz', { name: 'finish_time', nullable: true })
  finishTime!: Date | null;

  @Column('varchar', { length: 255, nullable: true })
  message!: string | null;

  /** The Temporal workflow that ran it; none for actions the API does alone (lock, resetState). */
  @Column('varchar', { name: 'workflow_id', length: 512, nullable: true })
  workflowId!: string | null;

  /** Its first run, once started: with the workflow id, its address in the Temporal Web UI. */
  @Column('varchar', { name: 'workflow_run_id', length: 64, nullable: true })
  workflowRunId!: string | null;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}

@Entity('instance_action_events')
export class InstanceActionEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer', { name: 'action_id' })
  actionId!: number;

  @Column('varchar', { length: 255 })
  event!: string;

  @Column('timestamptz', { name: 'start_time' })
  startTime!: Date;

  @Column('timestamptz', { name: 'finish_time', nullable: true })
  finishTime!: Date | null;

  @Column('varchar', { length: 255, nullable: true })
  result!: string | null;

  @Column('text', { nullable: true })
  traceback!: string | null;

  @Column('varchar', { length: 255, nullable: true })
  host!: string | null;

  @Column('text', { nullable: true })
  details!: string | null;
}
