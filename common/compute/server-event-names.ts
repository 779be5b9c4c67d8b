/** Nova's server external events. Pure data: the workflows import this file. */

/** Nova's external event names (os-server-external-events), by the microversion that added them. */
export const SERVER_EVENT_NAMES: { name: string; since: string }[] = [
  { name: 'network-changed', since: '2.1' },
  { name: 'network-vif-plugged', since: '2.1' },
  { name: 'network-vif-unplugged', since: '2.1' },
  { name: 'network-vif-deleted', since: '2.1' },
  { name: 'volume-extended', since: '2.51' },
  { name: 'power-update', since: '2.76' },
  { name: 'accelerator-request-bound', since: '2.82' },
  { name: 'volume-reimaged', since: '2.93' },
];

/**
 * The events the host acts on, as Nova's compute manager does: network-changed refreshes the
 * guest's network info, network-vif-deleted unplugs the port's interface. The others wake a
 * waiter in Nova (vif-plugged during a boot) or concern services this cloud does not run; they
 * are accepted and change nothing here.
 */
export const HOST_NETWORK_EVENTS = new Set(['network-changed', 'network-vif-deleted']);

export interface ServerEvent {
  name: string;
  /** The port id, for the network events. */
  tag?: string;
  status: string;
}

export interface ServerEventsInput {
  instanceUuid: string;
  events: ServerEvent[];
  /** The wait between tries of the host (default 30 s; tests shorten it). */
  retrySeconds?: number;
}

export const SERVER_EVENTS_WORKFLOW = 'serverEventsWorkflow';
