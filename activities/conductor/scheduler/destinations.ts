import { type DataSource, type EntityManager } from 'typeorm';
import { type Config } from '../../../common/config';
import { sleep } from '../../../common/sleep';
import { type Logger } from '../../../common/logger';
import { type FlavorSnapshot, type Instance } from '../../../entities';
import { activityMeter } from '../../activity-metrics';
import { runLedgered, type StepInput } from '../operations/step-ledger';
import { buildSchedulingRequest, instanceResources } from './build-request';
import { claimIfRoom, claimOnNode } from './claims';
import { selectHosts } from './filter-scheduler';
import { enabledFilters } from './filters';
import { hasRoom, type HostState } from './host-state';
import { loadCandidates, loadHostStates } from './load-host-states';

/** A node an operation may put the instance on. */
export interface Destination {
  host: string;
  node: string;
  computeNodeId: number;
}

export interface Schedule {
  /** The claimed node first, then alternates (claimed only when tried); empty: no valid host. */
  destinations: Destination[];
  reason?: string;
}

/** What a placement asks for beyond the instance's own request spec. */
export interface PlacementQuery {
  /** The flavor to place: a resize's new one; the instance's own by default. */
  flavor?: FlavorSnapshot;
  /** The image hosts are checked against: a rebuild's new one; the instance's by default. */
  image?: { id: string; properties: Record<string, string> };
  /** Hosts left out: a move's source (Nova's ignore_hosts). */
  ignoreHosts?: string[];
  /** Only this host, through the filters (Nova's requested_destination). */
  requestedHost?: string;
  /** Only this host, filters skipped (Nova's force_hosts); it still needs room and a live service. */
  forcedHost?: string;
}

/** The filters Nova runs for a rebuild on the instance's own host: those about the image. */
const RUN_ON_REBUILD = ['ImagePropertiesFilter'];

/**
 * A claim can fail (a group member's lost the generation race, another's found the room taken);
 * a placement re-reads and tries again, at least this often and for at least CLAIM_RETRY_MS. Every
 * lost race is another claim's win, so many placements at once (a POST of a thousand servers on a
 * few hosts) all get through in time; the bound stays well within the step's 30 s.
 */
const CLAIM_RETRIES = 10;
const CLAIM_RETRY_MS = 15_000;

/**
 * How long a placement that lost the race waits before it reads again: random, growing with the
 * attempt (up to 25 ms × attempt, at most 250 ms), so that placements that lost together (a drain's
 * batch, all scheduled at one instant by one conductor) do not all read and race again at once.
 */
const backoffAfterConflict = (attempt: number) => sleep(Math.random() * Math.min(25 * attempt, 250));

/** The filters that read the hosts' aggregates' metadata: candidates load it only for them. */
const AGGREGATE_FILTERS = ['AggregateInstanceExtraSpecsFilter', 'AggregateMultiTenancyIsolation'];

/** A try's claim failed (the generation moved on, or the room was taken): roll it back and read again. */
class ClaimConflict extends Error {}

export const destinationOf = (host: HostState): Destination => ({
  host: host.host,
  node: host.nodename,
  computeNodeId: host.computeNodeId,
});

/**
 * The scheduler every operation shares (boot, resize, migrate, live migration, evacuation,
 * rebuild's image check): candidates with room, Nova's filters and weighers, alternates, and the
 * generation-checked claim of the first choice for the instance.
 */
export function createDestinations({ config, logger }: { config: Config; logger: Logger }) {
  const serviceDownTime = config.DEFAULT.service_down_time;

  const filters = config.filter_scheduler.enabled_filters;
  const withAggregates = filters.some((name) => AGGREGATE_FILTERS.includes(name));

  async function selection(db: EntityManager, instance: Instance, query: PlacementQuery) {
    const flavor = query.flavor ?? instance.flavor;
    const request = await buildSchedulingRequest(db, { ...instance, flavor }, query.image);
    const forced = query.forcedHost !== undefined;
    // Placement's part, in SQL: nodes with room, and the filters Nova runs there as prefilters
    // (enabled services, the zone) unless forced; the rest of the filters run on at most
    // max_placement_results candidates.
    const hosts = await loadCandidates(
      db,
      serviceDownTime,
      {
        resources: request.resources,
        liveOnly: !forced && filters.includes('ComputeFilter'),
        availabilityZone:
          !forced && filters.includes('AvailabilityZoneFilter') ? request.availabilityZone : undefined,
        onlyHost: query.forcedHost ?? query.requestedHost,
        ignoreHosts: query.ignoreHosts ?? [],
        mostFreeRamFirst: config.filter_scheduler.ram_weight_multiplier >= 0,
        limit: config.scheduler.max_placement_results,
      },
      withAggregates,
    );
    if (forced) {
      // The candidate query already asked for room; a forced host skips only the filters.
      const up = hosts.filter((h) => h.serviceUp);
      return { hosts: up, rejections: [`forced to host ${query.forcedHost}`], request };
    }
    if (hosts.length === 0) {
      const { vcpus, memoryMb, diskGb } = request.resources;
      const rejection = `placement: no${filters.includes('ComputeFilter') ? ' enabled, up' : ''} node has room for ${vcpus} vCPU, ${memoryMb} MB RAM, ${diskGb} GB disk`;
      return { hosts, rejections: [rejection], request };
    }
    return { ...selectHosts(hosts, request, config, logger), request };
  }

  return {
    /** One scheduling pass in the caller's transaction: 'conflict' when the claim lost a race. */
    async selectAndClaim(
      db: EntityManager,
      instance: Instance,
      query: PlacementQuery = {},
    ): Promise<Schedule | 'conflict'> {
      const { hosts, rejections, request } = await selection(db, instance, query);
      const [chosen, ...alternates] = hosts;
      if (!chosen) return { destinations: [], reason: rejections.join('; ') || 'no compute host' };
      const claim = request.group ? claimOnNode : claimIfRoom;
      if (!(await claim(db, instance.uuid, chosen, request.resources))) return 'conflict';
      return { destinations: [chosen, ...alternates].map(destinationOf) };
    },

    /** Claims an alternate once the first choice failed; false when it no longer passes or fits. */
    async claimAlternate(
      db: EntityManager,
      instance: Instance,
      destination: Destination,
      query: PlacementQuery = {},
    ): Promise<boolean> {
      const [host] = await loadHostStates(db, serviceDownTime, [destination.computeNodeId]);
      if (!host || !host.serviceUp) return false;
      const flavor = query.flavor ?? instance.flavor;
      const request = await buildSchedulingRequest(db, { ...instance, flavor }, query.image);
      const single = { ...config, scheduler: { ...config.scheduler, max_attempts: 1 } };
      const passes = query.forcedHost
        ? hasRoom(host, request.resources)
        : selectHosts([host], request, single, logger).hosts.length > 0;
      return passes && claimOnNode(db, instance.uuid, host, instanceResources({ flavor }));
    },

    /**
     * Whether the instance's own host takes `image` (rebuild's check): only the enabled filters
     * Nova runs on a rebuild (RUN_ON_REBUILD), no claim, no room check.
     */
    async hostPassesFilters(
      db: EntityManager,
      instance: Instance,
      image: NonNullable<PlacementQuery['image']>,
    ): Promise<boolean> {
      const [row]: { id: number }[] = await db.query(
        'SELECT id FROM compute_nodes WHERE host = $1 AND hypervisor_hostname = $2',
        [instance.host, instance.node],
      );
      const [node] = row ? await loadHostStates(db, serviceDownTime, [row.id]) : [];
      if (!node) return false;
      const request = await buildSchedulingRequest(db, instance, image);
      return enabledFilters(config.filter_scheduler.enabled_filters)
        .filter((filter) => RUN_ON_REBUILD.includes(filter.name))
        .every((filter) => filter.hostPasses(node, request));
    },
  };
}

export type Destinations = ReturnType<typeof createDestinations>;

/**
 * Runs a ledgered placement step until its claim does not fail (see ClaimConflict), each try in
 * its own transaction: an UPDATE that lost the race still locks the node row it looked at until
 * its transaction ends, and two schedulers each holding one node and trying the other deadlock.
 * After CLAIM_RETRIES lost races and CLAIM_RETRY_MS, `exhausted` records the step's outcome with the reason.
 */
export async function placeWithRetries<I extends StepInput>(
  dataSource: DataSource,
  step: I,
  logger: Logger,
  place: (db: EntityManager, instance: Instance) => Promise<Schedule | 'conflict'>,
  exhausted: (db: EntityManager, instance: Instance, reason: string) => Promise<Schedule>,
): Promise<Schedule> {
  const startedAt = Date.now();
  const schedule = await placeOrGiveUp(dataSource, step, logger, place, exhausted);
  activityMeter()
    ?.createHistogram('novaflow_scheduler_latency', 'int', 'ms', 'Time to select and claim destinations')
    .record(Date.now() - startedAt, {
      operation: step.operation,
      result: schedule.destinations.length > 0 ? 'placed' : 'no_valid_host',
    });
  return schedule;
}

async function placeOrGiveUp<I extends StepInput>(
  dataSource: DataSource,
  step: I,
  logger: Logger,
  place: (db: EntityManager, instance: Instance) => Promise<Schedule | 'conflict'>,
  exhausted: (db: EntityManager, instance: Instance, reason: string) => Promise<Schedule>,
): Promise<Schedule> {
  const startedAt = Date.now();
  let attempt = 0;
  while (++attempt <= CLAIM_RETRIES || Date.now() - startedAt < CLAIM_RETRY_MS) {
    const outcome = await dataSource
      .transaction((db) =>
        runLedgered(db, step, async (db, instance): Promise<Schedule> => {
          const schedule = await place(db, instance);
          // Rolls this try back (its events, its locks), recording nothing.
          if (schedule === 'conflict') throw new ClaimConflict();
          return schedule;
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ClaimConflict) return undefined;
        throw error;
      });
    if (outcome) return outcome;
    logger.debug(
      { instance: step.instanceUuid, attempt },
      'claim failed (generation moved on or room taken); rescheduling',
    );
    await backoffAfterConflict(attempt);
  }
  const reason = `claims kept conflicting ${attempt - 1} times`;
  return dataSource.transaction((db) =>
    runLedgered(db, step, (db, instance) => exhausted(db, instance, reason)),
  );
}
