import { instanceName } from '../../common/compute/instance-name';

describe('instance_name_template', () => {
  const instance = { id: 4, uuid: 'ccd2a1ee-92f2-4338-9601-7575a019f56a' };

  it('formats ids as Python does', () => {
    expect(instanceName('instance-%08x', instance)).toBe('instance-00000004');
    expect(instanceName('instance-%08x', { ...instance, id: 255 })).toBe('instance-000000ff');
    expect(instanceName('vm-%d', instance)).toBe('vm-4');
    expect(instanceName('%(uuid)s', instance)).toBe(instance.uuid);
  });
});
