import { arch } from 'node:os';

/** Node's names for CPU architectures, in Nova's words. */
const NOVA_ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'i686',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** The architecture of the machine this host runs on, as Nova names it. */
export function hostArchitecture(): string {
  return NOVA_ARCH[arch()] ?? arch();
}
