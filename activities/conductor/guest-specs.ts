import { type EntityManager } from 'typeorm';
import { type GuestInterface, type GuestSpec } from '../../common/compute/guest-spec';
import { instanceName } from '../../common/compute/instance-name';
import { type Config } from '../../common/config';
import { type FlavorSnapshot, type Instance } from '../../entities';

/**
 * Everything a host needs to build or take over the instance's guest, from the database: the
 * host has none. A move passes its new flavor, a rebuild its new image.
 */
export async function guestSpecOf(
  db: EntityManager,
  config: Config,
  instance: Instance,
  interfaces: GuestInterface[],
  overrides: { flavor?: FlavorSnapshot } = {},
): Promise<GuestSpec> {
  const metadata: { key: string; value: string }[] = await db.query(
    'SELECT key, value FROM instance_metadata WHERE instance_uuid = $1',
    [instance.uuid],
  );
  return {
    instanceUuid: instance.uuid,
    name: instanceName(config.DEFAULT.instance_name_template, instance),
    hostname: instance.hostname,
    flavor: overrides.flavor ?? instance.flavor,
    image: instance.requestSpec.image,
    interfaces,
    userData: instance.userData,
    keyData: instance.keyData,
    metadata: Object.fromEntries(metadata.map(({ key, value }) => [key, value])),
  };
}
