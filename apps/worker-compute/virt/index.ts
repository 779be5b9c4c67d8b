import { join } from 'node:path';
import { type Config } from '../../../common/config';
import { type VirtDriver } from './driver';
import { FakeDriver } from './fake/fake-driver';

/** The driver named by [DEFAULT] compute_driver, for one host whose guests live in `instancesDir`. */
export function createDriver(host: string, config: Config, instancesDir: string): VirtDriver {
  switch (config.DEFAULT.compute_driver) {
    case 'fake.FakeDriver':
      return new FakeDriver(
        host,
        config,
        config.fake_driver.persist_guests ? join(instancesDir, 'fake-guests.json') : undefined,
      );
  }
}
