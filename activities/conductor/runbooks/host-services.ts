import { type DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Config } from '../../../common/config';
import { Service } from '../../../entities';

/** A compute host's service as a runbook sees it. */
export interface HostService {
  exists: boolean;
  up: boolean;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
}

const MISSING: HostService = {
  exists: false,
  up: false,
  disabled: false,
  disabledReason: null,
  forcedDown: false,
};

/** The conductor's steps of a runbook on a host's compute service: read, disable or enable, force down. */
export function createHostServiceSteps({ dataSource, config }: { dataSource: DataSource; config: Config }) {
  const services = () => dataSource.getRepository(Service);
  const read = async (host: string): Promise<HostService> => {
    const service = await services().findOneBy({ host, binary: 'nova-compute' });
    if (!service) return MISSING;
    return {
      exists: true,
      up: isServiceUp(service, config.DEFAULT.service_down_time),
      disabled: service.disabled,
      disabledReason: service.disabledReason,
      forcedDown: service.forcedDown,
    };
  };
  return {
    hostService: read,

    /** os-services' disable (with its reason) or enable; setting what already holds changes nothing. */
    async setHostDisabled(input: {
      host: string;
      disabled: boolean;
      reason: string | null;
    }): Promise<HostService> {
      await services().update(
        { host: input.host, binary: 'nova-compute' },
        { disabled: input.disabled, disabledReason: input.disabled ? input.reason : null },
      );
      return read(input.host);
    },

    /** os-services' forced_down: the host counts as down whatever it reports (the operator fenced it). */
    async setHostForcedDown(input: { host: string; forcedDown: boolean }): Promise<HostService> {
      await services().update({ host: input.host, binary: 'nova-compute' }, { forcedDown: input.forcedDown });
      return read(input.host);
    },
  };
}
