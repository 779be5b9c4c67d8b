import { boolOpt, floatOpt, intOpt, listOpt, strOpt } from './opts';

/**
 * Every option Novaflow reads from its nova.conf-style file. Section and option names are Nova's
 * wherever Nova has the option; defaults are Nova's unless a comment says otherwise.
 */
export const OPTIONS = {
  DEFAULT: {
    host: strOpt(
      '',
      'Name of this host; compute workers take it from --host or NOVAFLOW_FAKE_HOSTS instead.',
    ),
    compute_driver: strOpt('fake.FakeDriver', 'Virt driver of compute workers.', [
      'fake.FakeDriver',
      'libvirt.LibvirtDriver',
    ]),
    report_interval: intOpt(10, 'Seconds between two inventory reports of a compute host.', { min: 1 }),
    service_down_time: intOpt(60, 'Seconds since the last report after which a service is down.', {
      min: 1,
    }),
    resize_confirm_window: intOpt(0, 'Seconds before a resize is confirmed automatically; 0 disables.', {
      min: 0,
    }),
    allow_resize_to_same_host: boolOpt(
      false,
      'Let a resize or cold migration choose the host the server is on.',
    ),
    max_concurrent_live_migrations: intOpt(1, 'Live migrations one host sends at once; 0 is unlimited.', {
      min: 0,
    }),
    sync_power_state_interval: intOpt(
      600,
      "Seconds between syncs of each host's guests' power states with the database (a Temporal Schedule per host); -1 disables.",
      { min: -1 },
    ),
    reclaim_instance_interval: intOpt(0, 'Seconds a soft-deleted instance is kept; 0 disables soft delete.', {
      min: 0,
    }),
    // Nova's default is 0 (never); a soft reboot that the guest ignores would then hold its task
    // for ever, so Novaflow falls back to a hard one after libvirt's wait_soft_reboot_seconds.
    reboot_timeout: intOpt(120, 'Seconds a guest may take over a soft reboot before it is rebooted hard.', {
      min: 1,
    }),
    // Nova's initial_*_allocation_ratio defaults, applied when a compute node first reports.
    cpu_allocation_ratio: floatOpt(16.0, 'Virtual CPUs per physical CPU.', { min: 0 }),
    ram_allocation_ratio: floatOpt(1.5, 'Virtual RAM per physical RAM.', { min: 0 }),
    disk_allocation_ratio: floatOpt(1.0, 'Virtual disk per physical disk.', { min: 0 }),
    reserved_host_memory_mb: intOpt(512, 'Memory kept for the host itself.', { min: 0 }),
    reserved_host_disk_mb: intOpt(0, 'Disk kept for the host itself.', { min: 0 }),
    reserved_host_cpus: intOpt(0, 'CPUs kept for the host itself.', { min: 0 }),
    instances_path: strOpt('', 'Where guests keep their disks; defaults to <data dir>/instances.'),
    default_availability_zone: strOpt('nova', 'Availability zone of compute hosts.'),
    internal_service_availability_zone: strOpt('internal', 'Availability zone of non-compute services.'),
    instance_name_template: strOpt('instance-%08x', 'Template of hypervisor domain names.'),
    // Glance's option of the same name and default (1 TiB); uploads beyond it get 413.
    image_size_cap: intOpt(1099511627776, 'Largest image upload in bytes.', { min: 1 }),
    // Novaflow's own: an API process uploading image data renews a lease on the image every third
    // of this; an image in `saving` whose lease ran out (its uploader died) goes back to `queued`.
    image_upload_lease: intOpt(
      60,
      'Seconds an image stays in saving without a sign of life from its upload before it is queued again.',
      { min: 1 },
    ),
  },
  api: {
    max_limit: intOpt(1000, 'Most items a collection returns in one page.', { min: 1 }),
    // Novaflow's own (Nova has none): a request still running after this is answered 503, so that
    // no request holds a client, a connection or a lock for ever. Image data is exempt.
    request_timeout: intOpt(
      60,
      'Seconds a request may run before it is answered 503; 0 disables. Image data uploads and downloads (Glance PUT/GET /v2/images/{id}/file) are exempt.',
      { min: 0 },
    ),
    // Novaflow's own: Nova bounds max_count only by quota, and an unlimited quota then let one
    // request insert rows for ever under the project's quota lock. A thousand take a few
    // multi-row INSERTs (their boots start after the answer).
    max_servers_per_request: intOpt(
      1000,
      'Most servers one POST /servers creates: a larger max_count is cut to it, a larger min_count refused (400).',
      { min: 1 },
    ),
  },
  database: {
    // Novaflow's own: PostgreSQL's statement_timeout on every connection of the API and the
    // conductor, so that no query (a pathological regex filter, a lock wait) runs for ever.
    statement_timeout: intOpt(
      30,
      'Seconds a database statement of the API or the conductor may run before PostgreSQL cancels it; 0 disables.',
      { min: 0 },
    ),
  },
  token: {
    expiration: intOpt(3600, 'Seconds a token stays valid.', { min: 1 }),
    // Novaflow's own (keystone-manage token_flush's job): each API process tries every this many
    // seconds; one at a time prunes, in batches.
    prune_interval: intOpt(600, 'Seconds between two deletions of expired and revoked tokens.', { min: 1 }),
    cache_time: intOpt(5, 'Seconds the API caches a validated token (revocation is seen within that).', {
      min: 0,
      max: 300,
    }),
  },
  security_compliance: {
    // Keystone's options. Keystone's default for attempts is none (no lockout); Novaflow locks
    // after 10, since each try costs an argon2 hash and a password could otherwise be guessed at
    // whatever rate the API hashes. A user with ignore_lockout_failure_attempts (the seeded
    // `nova`, whose lockout would stop every compute host) is never locked.
    lockout_failure_attempts: intOpt(
      10,
      'Failed password logins in a row after which a user is locked out; 0 disables the lockout.',
      { min: 0 },
    ),
    lockout_duration: intOpt(1800, 'Seconds a locked-out user stays locked.', { min: 1 }),
  },
  identity: {
    // Novaflow's own: Keystone has no per-source limit (deployments put one in front of it).
    source_failure_attempts: intOpt(
      100,
      'Failed password logins from one client address within source_lockout_duration after which its logins get 429; 0 disables.',
      { min: 0 },
    ),
    source_lockout_duration: intOpt(
      300,
      'Seconds over which failed logins from one address are counted, and for which it is refused.',
      { min: 1 },
    ),
    password_hash_concurrency: intOpt(
      2,
      'Password hashes (19 MiB of argon2 each) one API process computes at once; the others wait.',
      { min: 1, max: 64 },
    ),
  },
  conductor: {
    // Novaflow's own: how often the reconciler Schedule runs, and how old a claim must be
    // before it counts as stuck.
    reconcile_interval: intOpt(30, 'Seconds between reconciler passes (stuck claims, unstarted workflows).', {
      min: 1,
    }),
    // Each cached workflow keeps AsyncLocalStorage instances alive in the workflow thread, and on
    // Node 20 every promise created there walks all of them: a cache of every idle host workflow
    // of a thousand-host cloud made each workflow task several times slower (BENCHMARKS.md).
    max_cached_workflows: intOpt(
      200,
      'Workflows the conductor keeps in memory between their tasks; the least recently used others are replayed from their history when they next run.',
      { min: 2 },
    ),
  },
  scheduler: {
    max_attempts: intOpt(3, 'Hosts tried for one boot, the first pick and its alternates.', { min: 1 }),
    max_placement_results: intOpt(
      1000,
      'Candidate nodes one decision filters and weighs at most: those with room, most free RAM first (least when stacking).',
      { min: 1 },
    ),
  },
  filter_scheduler: {
    enabled_filters: listOpt(
      [
        'AvailabilityZoneFilter',
        'ComputeFilter',
        'ImagePropertiesFilter',
        'ServerGroupAntiAffinityFilter',
        'ServerGroupAffinityFilter',
        'SameHostFilter',
        'DifferentHostFilter',
      ],
      'Filters a host must pass, in order.',
      { pattern: /^[A-Za-z]+(Filter|Isolation)$/, expected: 'filter class names' },
    ),
    host_subset_size: intOpt(1, 'Random pick among this many best-weighed hosts.', { min: 1 }),
    ram_weight_multiplier: floatOpt(1.0, 'Weight of free RAM; negative stacks instead of spreading.'),
    cpu_weight_multiplier: floatOpt(1.0, 'Weight of free vCPUs.'),
    disk_weight_multiplier: floatOpt(1.0, 'Weight of free disk.'),
    soft_affinity_weight_multiplier: floatOpt(1.0, 'Weight of soft-affinity group members on a host.', {
      min: 0,
    }),
    soft_anti_affinity_weight_multiplier: floatOpt(1.0, 'Weight against soft-anti-affinity group members.', {
      min: 0,
    }),
  },
  quota: {
    instances: intOpt(10, 'Instances per project; -1 is unlimited.', { min: -1 }),
    cores: intOpt(20, 'Instance cores per project.', { min: -1 }),
    ram: intOpt(51200, 'Megabytes of instance RAM per project.', { min: -1 }),
    metadata_items: intOpt(128, 'Metadata items per instance.', { min: -1 }),
    key_pairs: intOpt(100, 'Key pairs per user.', { min: -1 }),
    server_groups: intOpt(10, 'Server groups per project.', { min: -1 }),
    server_group_members: intOpt(10, 'Servers per server group.', { min: -1 }),
    injected_files: intOpt(5, 'Injected files per instance.', { min: -1 }),
    injected_file_content_bytes: intOpt(10240, 'Bytes per injected file.', { min: -1 }),
    injected_file_path_length: intOpt(255, 'Characters per injected file path.', { min: -1 }),
  },
  service_user: {
    auth_url: strOpt(
      '',
      'Identity URL compute hosts authenticate at; empty means <NOVAFLOW_PUBLIC_URL>/identity/v3.',
    ),
    username: strOpt('nova', 'User compute hosts authenticate as to fetch images.'),
    project_name: strOpt('service', 'Project of that user.'),
    user_domain_name: strOpt('Default', 'Domain of that user.'),
    project_domain_name: strOpt('Default', 'Domain of that project.'),
  },
  temporal: {
    // Novaflow's own section: the Temporal server `npm start` runs when TEMPORAL_ADDRESS is unset.
    server: strOpt(
      'dev',
      'Temporal server npm start runs when TEMPORAL_ADDRESS is unset: dev (temporal server start-dev, SQLite, with the Web UI) or postgres (the Temporal server on PostgreSQL, built once into .tools/).',
      ['dev', 'postgres'],
    ),
  },
  libvirt: {
    connection_uri: strOpt('', 'Libvirt URI the libvirt driver connects to; empty: qemu:///system.'),
    virt_type: strOpt('kvm', 'Domain type of libvirt guests: kvm, or qemu (software emulation).', [
      'kvm',
      'qemu',
    ]),
    // Nova's deprecated option of this name; %s is the destination host. Novaflow's local cloud
    // points it at each host's own daemon.
    live_migration_uri: strOpt(
      'qemu+tcp://%s/system',
      'Libvirt URI of a live migration destination, %s the host name.',
    ),
    live_migration_inbound_addr: strOpt(
      '',
      'Address the migration stream of incoming guests listens on; empty: libvirt chooses.',
    ),
  },
  fake_driver: {
    // Novaflow's own section: the size of every fake host and, for tests only, injected faults.
    vcpus: intOpt(1000, 'vCPUs of each fake host.', { min: 1 }),
    memory_mb: intOpt(800000, 'Memory of each fake host.', { min: 1 }),
    local_gb: intOpt(600000, 'Disk of each fake host.', { min: 1 }),
    fail_methods: listOpt([], 'Driver methods that fail, as method or host:method.', {
      pattern: /^([\w.-]+:)?\w+$/,
      expected: 'method or host:method',
    }),
    slow_methods: listOpt([], 'Driver methods that take longer, as method:seconds or host:method:seconds.', {
      pattern: /^([\w.-]+:)?\w+:\d+(\.\d+)?$/,
      expected: 'method:seconds or host:method:seconds',
    }),
    disabled_capabilities: listOpt([], 'Driver capabilities turned off, as capability or host:capability.', {
      pattern: /^([\w.-]+:)?(supports_evacuate|supports_migrate_to_same_host|supports_live_migration)$/,
      expected:
        'capability or host:capability (supports_evacuate, supports_migrate_to_same_host or supports_live_migration)',
    }),
    persist_guests: boolOpt(
      true,
      "Keep each fake host's guests in <instances_path>/<host>/fake-guests.json, so that they outlive a restart of its compute worker as real guests outlive nova-compute.",
    ),
    fetch_images: boolOpt(
      true,
      'Fetch image data into the host image cache before spawn, as a real driver must.',
    ),
  },
} as const;
