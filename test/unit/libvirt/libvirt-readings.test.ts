import { powerStateOf } from '../../../apps/worker-compute/virt/libvirt/domain-states';
import { hypervisorVersion } from '../../../apps/worker-compute/virt/libvirt/host-resources';
import {
  isMigrationRunning,
  parseJobStats,
} from '../../../apps/worker-compute/virt/libvirt/live-migration-job';
import { PowerState } from '../../../common/power-state';

describe('what the libvirt driver reads from virsh', () => {
  it.each([
    ['running', PowerState.RUNNING],
    ['idle', PowerState.RUNNING],
    ['paused', PowerState.PAUSED],
    ['in shutdown', PowerState.SHUTDOWN],
    ['shut off', PowerState.SHUTDOWN],
    ['crashed', PowerState.CRASHED],
    ['pmsuspended', PowerState.SUSPENDED],
    ['no state', PowerState.NOSTATE],
  ])('maps the domain state "%s" to Nova power state %i', (state, power) => {
    expect(powerStateOf(`${state}\n`)).toBe(power);
  });

  it('gives the hypervisor version as Nova does: QEMU 7.2.22 is 7002022', () => {
    const text =
      'Compiled against library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\n';
    expect(hypervisorVersion(text)).toBe(7002022);
    expect(hypervisorVersion('nothing here')).toBe(0);
  });

  it('reads the progress of a migration from domjobinfo --rawstats, none when no job runs', () => {
    const running = [
      'Job type: 2',
      '',
      'operation: 5',
      'time_elapsed: 2004',
      'memory_total: 268435456',
      'memory_processed: 1048576',
      'memory_remaining: 267386880',
      'disk_total: 1073741824',
      'disk_processed: 1073741824',
      'disk_remaining: 0',
    ].join('\n');
    expect(parseJobStats(running)).toEqual({
      memoryTotal: 268435456,
      memoryProcessed: 1048576,
      memoryRemaining: 267386880,
      diskTotal: 1073741824,
      diskProcessed: 1073741824,
      diskRemaining: 0,
    });
    expect(parseJobStats('Job type: 0\n')).toBeUndefined();
  });

  it('tells an outgoing migration that runs from no job, or another kind of job', () => {
    expect(isMigrationRunning('Job type: 2\n\noperation: 5\ntime_elapsed: 2004\n')).toBe(true);
    expect(isMigrationRunning('Job type: 0\n')).toBe(false);
    expect(isMigrationRunning('Job type: 2\n\noperation: 1\n')).toBe(false);
  });
});
