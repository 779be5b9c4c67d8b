import { join } from 'node:path';
import { type Config } from '../../../common/config';
import { type VirtDriver } from './driver';
import { FakeDriver } from './fake/fake-driver';
import { LibvirtDriver } from './libvirt/libvirt-driver';

/**
 * The driver named by [DEFAULT] compute_driver for one host; `instancesRoot` holds every host's
 * instance directory, <instancesRoot>/<host> this one's.
 */
export function createDriver(host: string, config: Config, instancesRoot: string): VirtDriver {
  switch (config.DEFAULT.compute_driver) {
    case 'fake.FakeDriver':
      return new FakeDriver(
        host,
        config,
        config.fake_driver.persist_guests ? join(instancesRoot, host, 'fake-guests.json') : undefined,
      );
    case 'libvirt.LibvirtDriver':
      return new LibvirtDriver(host, config, instancesRoot);
  }
}
