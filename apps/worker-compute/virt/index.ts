import { type Config } from '../../../common/config';
import { type VirtDriver } from './driver';
import { FakeDriver } from './fake/fake-driver';

/** The driver named by [DEFAULT] compute_driver, for one host. */
export function createDriver(host: string, config: Config): VirtDriver {
  switch (config.DEFAULT.compute_driver) {
    case 'fake.FakeDriver':
      return new FakeDriver(host, config);
  }
}
