import { type HostFilter } from './host-filter';

/** Hypervisor names an image may ask for by img_hv_type, as Nova canonicalizes them. */
const CANONICAL_HV_TYPE: Record<string, string> = { qemu: 'qemu', kvm: 'qemu', fake: 'fake' };
const canonical = (type: string) => CANONICAL_HV_TYPE[type.toLowerCase()] ?? type.toLowerCase();

/**
 * An image that names an architecture (hw_architecture), a hypervisor type (img_hv_type) or a VM
 * mode (hw_vm_mode) only fits hosts that provide them; every host here runs hvm guests.
 */
export const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  hostPasses: (host, { imageProperties }) => {
    const arch = imageProperties.hw_architecture ?? imageProperties.architecture;
    const hvType = imageProperties.img_hv_type ?? imageProperties.hypervisor_type;
    const vmMode = imageProperties.hw_vm_mode ?? imageProperties.vm_mode;
    if (arch && arch.toLowerCase() !== host.cpuArch) return false;
    if (hvType && canonical(hvType) !== canonical(host.hypervisorType)) return false;
    if (vmMode && vmMode.toLowerCase() !== 'hvm') return false;
    return true;
  },
};
