import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where the test setup says why Debian's chromium cannot be had here. */
export const CHROMIUM_MISSING = 'NOVAFLOW_TEST_CHROMIUM_MISSING';
const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium for the browser tests, or why they skip (no browser is ever downloaded). */
export function chromiumForTests(): { executable?: string; reason?: string } {
  if (existsSync(CHROMIUM)) return { executable: CHROMIUM };
  return { reason: process.env[CHROMIUM_MISSING] ?? `${CHROMIUM} is missing` };
}

/** A headless chromium, sandbox off: the tests run as root, which chromium's sandbox refuses. */
export function launchChromium(executable: string): Promise<Browser> {
  return chromium.launch({ executablePath: executable, headless: true, args: ['--no-sandbox'] });
}
