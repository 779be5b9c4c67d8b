import { type EntityManager } from 'typeorm';

/** Nova's classic public flavors, with their classic ids. */
const FLAVORS = [
  { flavorid: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1 },
  { flavorid: '2', name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20 },
  { flavorid: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 40 },
  { flavorid: '4', name: 'm1.large', vcpus: 4, memoryMb: 8192, rootGb: 80 },
  { flavorid: '5', name: 'm1.xlarge', vcpus: 8, memoryMb: 16384, rootGb: 160 },
];

export async function seedFlavors(db: EntityManager): Promise<void> {
  for (const flavor of FLAVORS) {
    await db.query(
      `INSERT INTO flavors (flavorid, name, vcpus, memory_mb, root_gb) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [flavor.flavorid, flavor.name, flavor.vcpus, flavor.memoryMb, flavor.rootGb],
    );
  }
}
