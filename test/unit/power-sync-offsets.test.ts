import { syncOffsetSeconds } from '../../activities/conductor/power-sync-schedules';

/** Each host's power sync runs at its own point of the interval, so that a cloud's do not start together. */
describe('power-sync offsets', () => {
  const hosts = Array.from({ length: 1000 }, (_, i) => `compute-${i + 1}`);

  it('gives a host the same offset every time, below the interval', () => {
    for (const host of hosts) {
      const offset = syncOffsetSeconds(host, 600);
      expect(syncOffsetSeconds(host, 600)).toBe(offset);
      expect(Number.isInteger(offset) && offset >= 0 && offset < 600).toBe(true);
    }
  });

  it("spreads a thousand hosts' syncs over the interval: no minute of ten holds more than twice its share", () => {
    const perMinute = new Array<number>(10).fill(0);
    for (const host of hosts) perMinute[Math.floor(syncOffsetSeconds(host, 600) / 60)]++;
    for (const count of perMinute) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(200);
    }
  });
});
