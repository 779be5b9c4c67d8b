/** Stops what global-setup started, last started first. */
export default async function globalTeardown(): Promise<void> {
  for (const stop of (globalThis.novaflowTestTeardown ?? []).reverse()) await stop();
}
