/**
 * The hypervisor's name of an instance from Nova's instance_name_template, which is a Python
 * %-format of the instance's id (`instance-%08x`) or of named fields (`%(uuid)s`, `%(id)d`).
 */
export function instanceName(template: string, instance: { id: number; uuid: string }): string {
  return template.replace(/%(?:\((id|uuid)\))?(0?)(\d*)([xds])/g, (_match, field, zero, width, kind) => {
    const value = field === 'uuid' ? instance.uuid : instance.id;
    const text = kind === 'x' ? Number(value).toString(16) : String(value);
    return zero ? text.padStart(Number(width), '0') : text.padStart(Number(width || 0), ' ');
  });
}
