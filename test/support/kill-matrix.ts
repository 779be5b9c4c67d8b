import { type ApiClient } from './api-client';
import { bootOn, setService, settled } from './moves';
import { createServer, LATEST } from './servers';

/** The hosts of the matrix: every server starts on SOURCE; EVACUEES live on a host that goes down. */
export const SOURCE = 'km-1';
export const EVACUEES = 'km-ev';
export const MATRIX_HOSTS = [SOURCE, 'km-2', 'km-3', EVACUEES];

/** What the matrix knows of a server while its case runs. */
export interface CaseServer {
  id: string;
  /** The host it was on when the operation was asked for. */
  host: string;
}

/** What a case found once the operation settled. */
export type Outcome = 'finished' | 'rolled back' | 'error';

export interface MatrixContext {
  admin: ApiClient;
  imageId: string;
  networkId: string;
}

/**
 * One operation of the matrix: how to bring a server to where the operation starts, the request
 * itself, its phases (fault points: see common/fault-points.ts), and how to tell it finished.
 */
export interface OperationCase {
  name: string;
  /** The instance action the request records, and the migration it makes (if a move). */
  action: string;
  migrationType?: string;
  /** Its server lives on EVACUEES, the host that goes down. */
  evacuee?: boolean;
  /** Its first conductor step (the claim, or the task taken), its main host step, its last step. */
  phases: { first: string; host: string; conductor: string };
  /** Boots and prepares the server; undefined for create, which boots in the request itself. */
  prepare?: (context: MatrixContext, label: string) => Promise<CaseServer>;
  request: (context: MatrixContext, server: CaseServer | undefined, label: string) => Promise<string>;
  /** Whether the settled server (undefined: deleted) is where the operation leads. */
  finished: (server: any, before: CaseServer | undefined) => boolean;
}

const action = (admin: ApiClient, id: string, body: unknown) =>
  admin.post(`/compute/v2.1/servers/${id}/action`, body, LATEST);

async function accepted(response: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const { status, text } = await response;
  if (![200, 202, 204].includes(status)) throw new Error(`${what}: HTTP ${status} ${text}`);
}

const bootActive = async ({ admin, imageId }: MatrixContext, label: string, host = SOURCE) => ({
  id: await bootOn(admin, imageId, label, host),
  host,
});

const bootThen =
  (body: unknown, status: string) =>
  async (context: MatrixContext, label: string): Promise<CaseServer> => {
    const server = await bootActive(context, label);
    await accepted(action(context.admin, server.id, body), `${label} prepare`);
    const ready = await settled(context.admin, server.id, status, 90_000);
    return { id: server.id, host: ready['OS-EXT-SRV-ATTR:host'] };
  };

const act =
  (body: unknown) =>
  async ({ admin }: MatrixContext, server: CaseServer | undefined, label: string): Promise<string> => {
    await accepted(action(admin, server!.id, body), label);
    return server!.id;
  };

const hostOf = (server: any): string => server['OS-EXT-SRV-ATTR:host'];
const flavorOf = (server: any): string => server.flavor.original_name;

/** Every lifecycle operation, each held at its first conductor step, its main host step and its last step. */
export const OPERATION_CASES: OperationCase[] = [
  {
    name: 'boot',
    action: 'create',
    phases: {
      first: 'create.scheduleInstance.after',
      host: 'create.build.after',
      conductor: 'create.finishBuild.after',
    },
    request: async ({ admin, imageId, networkId }, _server, label) => {
      const created = await createServer(admin, {
        name: label,
        imageRef: imageId,
        networks: [{ uuid: networkId }],
        availability_zone: `nova:${SOURCE}`,
      });
      if (created.status !== 202) throw new Error(`${label}: HTTP ${created.status} ${created.text}`);
      return created.body.server.id;
    },
    finished: (server) => server?.status === 'ACTIVE',
  },
  {
    name: 'delete',
    action: 'delete',
    phases: {
      first: 'delete.beginOperation.after',
      host: 'delete.destroy.after',
      conductor: 'delete.completeDelete.after',
    },
    prepare: bootActive,
    request: async ({ admin }, server, label) => {
      await accepted(admin.delete(`/compute/v2.1/servers/${server!.id}`), label);
      return server!.id;
    },
    finished: (server) => server === undefined,
  },
  {
    name: 'stop',
    action: 'stop',
    phases: {
      first: 'stop.beginOperation.after',
      host: 'stop.powerOff.after',
      conductor: 'stop.completeOperation.after',
    },
    prepare: bootActive,
    request: act({ 'os-stop': null }),
    finished: (server) => server?.status === 'SHUTOFF',
  },
  {
    name: 'start',
    action: 'start',
    phases: {
      first: 'start.beginOperation.after',
      host: 'start.powerOn.after',
      conductor: 'start.completeOperation.after',
    },
    prepare: bootThen({ 'os-stop': null }, 'SHUTOFF'),
    request: act({ 'os-start': null }),
    finished: (server) => server?.status === 'ACTIVE',
  },
  {
    name: 'reboot',
    action: 'reboot',
    phases: {
      first: 'reboot_soft.beginOperation.after',
      host: 'reboot_soft.reboot.after',
      conductor: 'reboot_soft.completeOperation.after',
    },
    prepare: bootActive,
    request: act({ reboot: { type: 'SOFT' } }),
    finished: (server) => server?.status === 'ACTIVE',
  },
  {
    name: 'rebuild',
    action: 'rebuild',
    phases: {
      first: 'rebuild.beginOperation.after',
      host: 'rebuild.spawn.after',
      conductor: 'rebuild.finishRebuild.after',
    },
    prepare: bootActive,
    request: (context, server, label) =>
      act({ rebuild: { imageRef: context.imageId } })(context, server, label),
    finished: (server) => server?.status === 'ACTIVE',
  },
  {
    name: 'resize',
    action: 'resize',
    migrationType: 'resize',
    phases: {
      first: 'resize.scheduleMove.after',
      host: 'resize.finishMigration.after',
      conductor: 'resize.finishResize.after',
    },
    prepare: bootActive,
    request: act({ resize: { flavorRef: '2' } }),
    finished: (server, before) =>
      server?.status === 'VERIFY_RESIZE' &&
      flavorOf(server) === 'm1.small' &&
      hostOf(server) !== before!.host,
  },
  {
    name: 'confirm resize',
    action: 'confirmResize',
    migrationType: 'resize',
    phases: {
      first: 'resize.beginConfirm.after',
      host: 'resize.confirmMigration.after',
      conductor: 'resize.finishConfirm.after',
    },
    prepare: bootThen({ resize: { flavorRef: '2' } }, 'VERIFY_RESIZE'),
    request: act({ confirmResize: null }),
    finished: (server) => server?.status === 'ACTIVE' && flavorOf(server) === 'm1.small',
  },
  {
    name: 'revert resize',
    action: 'revertResize',
    migrationType: 'resize',
    phases: {
      first: 'resize.beginRevert.after',
      host: 'resize.finishRevertMigration.after',
      conductor: 'resize.finishRevert.after',
    },
    prepare: bootThen({ resize: { flavorRef: '2' } }, 'VERIFY_RESIZE'),
    request: act({ revertResize: null }),
    finished: (server) =>
      server?.status === 'ACTIVE' && flavorOf(server) === 'm1.tiny' && hostOf(server) === SOURCE,
  },
  {
    name: 'cold migrate',
    action: 'migrate',
    migrationType: 'migration',
    phases: {
      first: 'migrate.scheduleMove.after',
      host: 'migrate.finishMigration.after',
      conductor: 'migrate.finishResize.after',
    },
    prepare: bootActive,
    request: act({ migrate: null }),
    finished: (server, before) => server?.status === 'VERIFY_RESIZE' && hostOf(server) !== before!.host,
  },
  {
    name: 'live migrate',
    action: 'live-migration',
    migrationType: 'live-migration',
    phases: {
      first: 'live_migrate.scheduleMove.after',
      host: 'live_migrate.liveMigrate.after',
      conductor: 'live_migrate.finishLiveMigration.after',
    },
    prepare: bootActive,
    request: act({ 'os-migrateLive': { host: null, block_migration: 'auto' } }),
    finished: (server, before) => server?.status === 'ACTIVE' && hostOf(server) !== before!.host,
  },
  {
    name: 'evacuate',
    action: 'evacuate',
    migrationType: 'evacuation',
    evacuee: true,
    phases: {
      first: 'evacuate.scheduleMove.after',
      host: 'evacuate.spawn.after',
      conductor: 'evacuate.finishEvacuation.after',
    },
    prepare: (context, label) => bootActive(context, label, EVACUEES),
    request: act({ evacuate: {} }),
    finished: (server) => server?.status === 'ACTIVE' && hostOf(server) !== EVACUEES,
  },
];

/** The evacuees' host out of the scheduler's choice, so that no other move lands there. */
export const disableEvacueesHost = (admin: ApiClient) => setService(admin, EVACUEES, { status: 'disabled' });

/** The evacuees' host goes down (its worker stopped, its service forced down), as evacuate needs. */
export async function takeDownEvacueesHost(admin: ApiClient, stop: () => Promise<void>): Promise<void> {
  await stop();
  await setService(admin, EVACUEES, { forced_down: true });
}

export async function bringBackEvacueesHost(admin: ApiClient, start: () => Promise<void>): Promise<void> {
  await start();
  await setService(admin, EVACUEES, { forced_down: false, status: 'enabled' });
}
