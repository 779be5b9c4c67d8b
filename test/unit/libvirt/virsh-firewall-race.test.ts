import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtError, Virsh } from '../../../apps/worker-compute/virt/libvirt/virsh';

const RACE =
  'error: internal error: Failed to apply firewall rules /usr/sbin/ebtables --concurrent -t nat -A libvirt-P-vnet5 ' +
  '-p 0x8035 -j P-vnet5-rarp: ebtables v1.8.9 (nf_tables):  RULE_DELETE failed (No such file or directory)';

/**
 * A `virsh` of the test's own: it fails with `failures` (one stderr per call, in
 * order) and then prints "started"; every call is counted in a file.
 */
function fakeVirsh(failures: string[]): { dir: string; virsh: Virsh; calls: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-virsh-'));
  const counter = join(dir, 'calls');
  writeFileSync(counter, '');
  failures.forEach((stderr, i) => writeFileSync(join(dir, `fail-${i + 1}`), `${stderr}\n`));
  writeFileSync(
    join(dir, 'virsh'),
    `#!/bin/sh\necho x >> ${counter}\nn=$(wc -l < ${counter})\n` +
      `if [ -f ${dir}/fail-$n ]; then cat ${dir}/fail-$n >&2; exit 1; fi\necho started\n`,
  );
  chmodSync(join(dir, 'virsh'), 0o755);
  return {
    dir,
    virsh: new Virsh('qemu:///system', join(dir, 'virsh')),
    calls: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length,
  };
}

describe('virsh and the nwfilter firewall race', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const withFake = (failures: string[]) => {
    const fake = fakeVirsh(failures);
    dir = fake.dir;
    return fake;
  };

  it('runs a command again when another libvirtd changed the firewall tables under it', async () => {
    const fake = withFake([RACE, RACE]);
    await expect(fake.virsh.run(['start', 'guest'])).resolves.toBe('started\n');
    expect(fake.calls()).toBe(3);
  });

  it("gives up after five tries, with libvirt's message", async () => {
    const fake = withFake(Array(6).fill(RACE));
    const failure = fake.virsh.run(['start', 'guest']);
    await expect(failure).rejects.toBeInstanceOf(LibvirtError);
    await expect(failure).rejects.toThrow(/Failed to apply firewall rules/);
    expect(fake.calls()).toBe(5);
  });

  it('does not run other failures again', async () => {
    const fake = withFake(['error: Requested operation is not valid: domain is already running']);
    await expect(fake.virsh.run(['start', 'guest'])).rejects.toThrow(/already running/);
    expect(fake.calls()).toBe(1);
  });
});
