import { type Flavor } from '../../../../entities';
import { resourceLinks } from '../links';
import { type ApiVersion } from '../microversion';

const extraSpecsOf = (flavor: Flavor) =>
  Object.fromEntries((flavor.extraSpecs ?? []).map((spec) => [spec.key, spec.value]));

/** Nova's flavor JSON at a microversion: description from 2.55, extra_specs from 2.61, swap 0 (not "") from 2.75. */
export class FlavorView {
  constructor(private readonly publicUrl: string) {}

  summary(flavor: Flavor, version: ApiVersion) {
    return {
      id: flavor.flavorid,
      name: flavor.name,
      links: resourceLinks(this.publicUrl, 'flavors', flavor.flavorid),
      ...(version.atLeast('2.55') && { description: flavor.description }),
    };
  }

  detail(flavor: Flavor, version: ApiVersion) {
    return {
      id: flavor.flavorid,
      name: flavor.name,
      ram: flavor.memoryMb,
      disk: flavor.rootGb,
      swap: flavor.swap === 0 && !version.atLeast('2.75') ? '' : flavor.swap,
      'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeralGb,
      'OS-FLV-DISABLED:disabled': flavor.disabled,
      vcpus: flavor.vcpus,
      'os-flavor-access:is_public': flavor.isPublic,
      rxtx_factor: flavor.rxtxFactor,
      links: resourceLinks(this.publicUrl, 'flavors', flavor.flavorid),
      ...(version.atLeast('2.55') && { description: flavor.description }),
      ...(version.atLeast('2.61') && { extra_specs: extraSpecsOf(flavor) }),
    };
  }

  extraSpecs(flavor: Flavor) {
    return { extra_specs: extraSpecsOf(flavor) };
  }
}
