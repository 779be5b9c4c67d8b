/** Characters Nova strips from console output (nova/api/openstack/compute/console_output.py). */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const UNPRINTABLE = /[\x00-\x08\x0B-\x1F]/g;

/** Console output as Nova returns it: tabs and newlines kept, other control characters dropped. */
export const printable = (output: string): string => output.replace(UNPRINTABLE, '');
