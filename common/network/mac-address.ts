import { randomBytes } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { Port } from '../../entities/network.entities';
import { macAddressInUse } from './neutron-errors';

/** Neutron's default base_mac: OpenStack's OUI, the last three octets random. */
const BASE_MAC = 'fa:16:3e';

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const isMacAddress = (text: string) => MAC_PATTERN.test(text.toLowerCase());

const macInUse = (db: EntityManager, networkId: string, mac: string) =>
  db.getRepository(Port).existsBy({ networkId, macAddress: mac });

/**
 * A MAC address for a new port on the network: the one requested when it is free there, else a
 * random fa:16:3e one no port of the network has. The (network, mac) unique constraint backs this.
 */
export async function chooseMacAddress(
  db: EntityManager,
  networkId: string,
  requested: string | undefined,
): Promise<string> {
  if (requested !== undefined) {
    const mac = requested.toLowerCase();
    if (await macInUse(db, networkId, mac)) throw macAddressInUse(networkId, mac);
    return mac;
  }
  // 16M addresses per network: a few tries always suffice in practice.
  for (let attempt = 0; attempt < 16; attempt++) {
    const tail = [...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
    const mac = `${BASE_MAC}:${tail}`;
    if (!(await macInUse(db, networkId, mac))) return mac;
  }
  throw new Error(`no free MAC address found on network ${networkId}`);
}
