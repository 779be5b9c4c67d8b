/** What made a fake guest boot again after its first boot. */
export type BootCause = 'power on' | 'soft reboot' | 'hard reboot';

/** The serial console of a fake guest's first boot: a few lines, ending at the login prompt. */
export function firstBootLog(instanceUuid: string, hostname: string): string[] {
  return [
    'SeaBIOS (version novaflow-fake)',
    'Booting from Hard Disk...',
    `[    0.000000] Linux version 6.1.0-fake (instance ${instanceUuid})`,
    `[    1.000000] cloud-init: set hostname to ${hostname}`,
    `${hostname} login:`,
  ];
}

/** The one line a later boot adds, so that a reader of the log can see that the guest restarted. */
export function rebootLine(hostname: string, boot: number, cause: BootCause): string {
  return `${hostname} login: (boot ${boot}, after ${cause})`;
}
