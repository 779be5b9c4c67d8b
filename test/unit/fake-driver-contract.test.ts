import { FakeDriver } from '../../apps/worker-compute/virt/fake/fake-driver';
import { type GuestSpec } from '../../apps/worker-compute/virt/driver';
import { parseConfig } from '../../common/config';
import { PowerState } from '../../common/power-state';
import { contractFlavor, describeVirtDriverContract } from '../support/virt-driver-contract';

const drivers = new Map<string, FakeDriver>();
const config = parseConfig('').config;

describeVirtDriverContract('fake driver', () => ({
  hosts: { a: 'compute1', b: 'compute2' },
  driver(host) {
    let driver = drivers.get(host);
    if (!driver) drivers.set(host, (driver = new FakeDriver(host, config)));
    return driver;
  },
  spec: (instanceUuid, flavor): GuestSpec => ({
    instanceUuid,
    name: 'instance-0000000a',
    hostname: 'vm1',
    flavor: contractFlavor(flavor),
    image: { id: 'cirros', properties: {} },
    imagePath: '/cache/cirros',
    interfaces: [],
    userData: null,
    keyData: null,
    metadata: {},
  }),
  suspendedPowerState: PowerState.SUSPENDED,
  bootLine: 'vm1 login:',
}));
