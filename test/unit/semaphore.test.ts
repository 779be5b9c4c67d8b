import { Semaphore } from '../../common/semaphore';

/** A gate the test opens, to hold work inside the semaphore for as long as it wants. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Semaphore', () => {
  it('lets `limit` holders in at once and the rest in arrival order as slots free up', async () => {
    const semaphore = new Semaphore(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, n) =>
      semaphore.run(async () => {
        started.push(n);
        await g.opened;
        return n;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    expect(semaphore.load).toEqual({ active: 2, waiting: 2 });

    gates[1].open();
    expect(await runs[1]).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    expect(semaphore.load).toEqual({ active: 2, waiting: 1 });

    gates.forEach((g) => g.open());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(semaphore.load).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot of work that failed', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await semaphore.run(async () => 'next')).toBe('next');
    expect(semaphore.load).toEqual({ active: 0, waiting: 0 });
  });
});
