import argon2 from 'argon2';

/**
 * Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): a login costs tens of milliseconds,
 * a stolen hash costs an attacker as much per guess.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password).catch(() => false);
}
