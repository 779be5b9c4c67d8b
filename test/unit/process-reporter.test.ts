import { type HostReport } from '../../common/host-report';
import { inSignals } from '../../apps/worker-compute/process-reporter';
import { FAKE_CAPABILITIES, fakeNode } from '../support/fake-node';

const report = (host: string, guestCount = 0): HostReport => ({
  host,
  reportedAt: '2026-12-03T12:00:00.000Z',
  availabilityZone: 'nova',
  node: fakeNode(host),
  capabilities: FAKE_CAPABILITIES,
  guests: Object.fromEntries(Array.from({ length: guestCount }, (_, i) => [`guest-${host}-${i}`, 1])),
});
const bytes = (reports: HostReport[]) => reports.reduce((sum, one) => sum + JSON.stringify(one).length, 0);

describe("a compute process's reports cut into signals", () => {
  it('keeps every report, in order, each signal within the size given', () => {
    const reports = Array.from({ length: 250 }, (_, i) => report(`host-${i}`, i % 7));
    const limit = 20 * 1024;
    const signals = inSignals(reports, limit);
    expect(signals.flat()).toEqual(reports);
    expect(signals.length).toBeGreaterThan(1);
    for (const signal of signals) expect(bytes(signal)).toBeLessThanOrEqual(limit);
  });

  it('sends a report larger than the limit alone, and nothing for no hosts', () => {
    const big = report('big', 500);
    const signals = inSignals([report('a'), big, report('b')], bytes([big]) - 1);
    expect(signals).toEqual([[report('a')], [big], [report('b')]]);
    expect(inSignals([])).toEqual([]);
  });

  it('puts the hosts of a few hundred small reports in one signal by default', () => {
    const reports = Array.from({ length: 250 }, (_, i) => report(`host-${i}`));
    expect(inSignals(reports)).toEqual([reports]);
  });
});
