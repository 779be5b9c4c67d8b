/**
 * Just enough of the qcow2 format (QEMU's docs/interop/qcow2.txt) to read an image's virtual
 * size and to write a small valid image, as the seeded cirros is.
 */
const MAGIC = 0x514649fb; // "QFI\xfb"
const CLUSTER_BITS = 16;
const CLUSTER_SIZE = 1 << CLUSTER_BITS;
const L2_ENTRIES = CLUSTER_SIZE / 8;
/** QCOW_OFLAG_COPIED: the cluster's refcount is exactly 1. */
const COPIED = 1n << 63n;

/** The guest-visible size in a qcow2 header, or undefined when `head` is not one. */
export function qcow2VirtualSize(head: Buffer): number | undefined {
  if (head.length < 32 || head.readUInt32BE(0) !== MAGIC) return undefined;
  return Number(head.readBigUInt64BE(24));
}

/**
 * A qcow2 (version 3, 64 KiB clusters) disk of `virtualSize` bytes whose first clusters hold
 * `data`. Layout, one cluster each: header, refcount table, refcount block, L1 table, L2 table,
 * then the data clusters.
 */
export function buildQcow2(virtualSize: number, data: Buffer): Buffer {
  const dataClusters = Math.ceil(data.length / CLUSTER_SIZE);
  const l1Size = Math.ceil(virtualSize / (CLUSTER_SIZE * L2_ENTRIES));
  if (dataClusters > L2_ENTRIES || data.length > virtualSize || l1Size > L2_ENTRIES) {
    throw new Error('buildQcow2 writes at most one L2 table of data into at most one L1 cluster');
  }
  const [refcountTable, refcountBlock, l1Table, l2Table, firstData] = [1, 2, 3, 4, 5];
  const clusters = firstData + dataClusters;
  const at = (cluster: number) => cluster * CLUSTER_SIZE;
  const image = Buffer.alloc(at(clusters));

  image.writeUInt32BE(MAGIC, 0);
  image.writeUInt32BE(3, 4); // version
  image.writeUInt32BE(CLUSTER_BITS, 20);
  image.writeBigUInt64BE(BigInt(virtualSize), 24);
  image.writeUInt32BE(l1Size, 36);
  image.writeBigUInt64BE(BigInt(at(l1Table)), 40);
  image.writeBigUInt64BE(BigInt(at(refcountTable)), 48);
  image.writeUInt32BE(1, 56); // refcount table clusters
  image.writeUInt32BE(4, 96); // refcount order: 16-bit refcounts
  image.writeUInt32BE(104, 100); // header length; the zeroes after it end the (empty) extension list

  image.writeBigUInt64BE(BigInt(at(refcountBlock)), at(refcountTable));
  for (let cluster = 0; cluster < clusters; cluster++)
    image.writeUInt16BE(1, at(refcountBlock) + 2 * cluster);
  image.writeBigUInt64BE(BigInt(at(l2Table)) | COPIED, at(l1Table));
  for (let n = 0; n < dataClusters; n++) {
    image.writeBigUInt64BE(BigInt(at(firstData + n)) | COPIED, at(l2Table) + 8 * n);
  }
  data.copy(image, at(firstData));
  return image;
}
