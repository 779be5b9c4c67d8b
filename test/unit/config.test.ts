import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../common/config';
import { projectRoot } from '../../common/paths';
import { exampleConfig } from '../../scripts/generate-config';

describe('nova.conf-style configuration', () => {
  it('gives Nova defaults when the file is empty', () => {
    const { config, warnings } = parseConfig('');
    expect(config.DEFAULT.report_interval).toBe(10);
    expect(config.DEFAULT.service_down_time).toBe(60);
    expect(config.scheduler.max_attempts).toBe(3);
    expect(config.filter_scheduler.host_subset_size).toBe(1);
    expect(config.filter_scheduler.enabled_filters).toContain('ComputeFilter');
    expect(config.libvirt.virt_type).toBe('kvm');
    expect(warnings).toEqual([]);
  });

  it('reads typed values from Nova sections and option names', () => {
    const { config } = parseConfig(`
[DEFAULT]
report_interval = 5
cpu_allocation_ratio = 4.0
instances_path = /var/lib/novaflow/instances

[filter_scheduler]
enabled_filters = ComputeFilter, SameHostFilter
host_subset_size = 2
ram_weight_multiplier = -1.5

[libvirt]
virt_type = qemu
connection_uri = qemu:///system
`);
    expect(config.DEFAULT.report_interval).toBe(5);
    expect(config.DEFAULT.cpu_allocation_ratio).toBe(4);
    expect(config.DEFAULT.instances_path).toBe('/var/lib/novaflow/instances');
    expect(config.filter_scheduler.enabled_filters).toEqual(['ComputeFilter', 'SameHostFilter']);
    expect(config.filter_scheduler.host_subset_size).toBe(2);
    expect(config.filter_scheduler.ram_weight_multiplier).toBe(-1.5);
    expect(config.libvirt).toMatchObject({ virt_type: 'qemu', connection_uri: 'qemu:///system' });
  });

  it.each([
    [
      '[DEFAULT]\nreport_interval = soon',
      '[DEFAULT] report_interval = "soon" is invalid: expected an integer >= 1',
    ],
    [
      '[DEFAULT]\nservice_down_time = 0',
      '[DEFAULT] service_down_time = "0" is invalid: expected an integer >= 1',
    ],
    [
      '[DEFAULT]\nram_allocation_ratio = lots',
      '[DEFAULT] ram_allocation_ratio = "lots" is invalid: expected a number >= 0',
    ],
    ['[libvirt]\nvirt_type = xen', '[libvirt] virt_type = "xen" is invalid: expected one of kvm, qemu'],
    [
      '[filter_scheduler]\nenabled_filters = ComputeFilter, ram',
      '[filter_scheduler] enabled_filters = "ComputeFilter, ram" is invalid: expected a comma-separated list of filter class names',
    ],
    [
      '[fake_driver]\nfetch_images = maybe',
      '[fake_driver] fetch_images = "maybe" is invalid: expected true or false',
    ],
  ])('rejects %j naming section, option and expected form', (text, message) => {
    expect(() => parseConfig(text, 'novaflow.conf')).toThrow(ConfigError);
    expect(() => parseConfig(text, 'novaflow.conf')).toThrow(`novaflow.conf: ${message}`);
  });

  it('reports every bad option at once', () => {
    expect(() => parseConfig('[DEFAULT]\nreport_interval = x\n[scheduler]\nmax_attempts = -1')).toThrow(
      /report_interval.*; \[scheduler\] max_attempts/,
    );
  });

  it('warns about options Novaflow does not read instead of failing, as nova.conf carries many', () => {
    const { warnings } = parseConfig('[DEFAULT]\nmy_ip = 10.0.0.1\n[oslo_messaging_rabbit]\nrabbit_host = x');
    expect(warnings).toEqual([
      '[DEFAULT] my_ip is not a Novaflow option and is ignored',
      '[oslo_messaging_rabbit] rabbit_host is not a Novaflow option and is ignored',
    ]);
  });
});

describe('etc/novaflow.conf.example', () => {
  it('documents every option with its default, as generated from the option table', () => {
    const committed = readFileSync(join(projectRoot(), 'etc', 'novaflow.conf.example'), 'utf8');
    expect(committed).toBe(exampleConfig());
    expect(parseConfig(committed).warnings).toEqual([]);
  });
});
