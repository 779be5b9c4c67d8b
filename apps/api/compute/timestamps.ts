/** Nova's two time formats: `2026-11-22T17:54:02Z` for created/updated, microseconds without zone elsewhere. */
export const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function isoMicros(date: Date): string;
export function isoMicros(date: Date | null): string | null;
export function isoMicros(date: Date | null): string | null {
  return date ? `${date.toISOString().slice(0, 23)}000` : null;
}
