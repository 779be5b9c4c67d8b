import { type HostReport } from '../../common/host-report';
import { RecordedReports } from '../../activities/conductor/recorded-reports';
import { FAKE_CAPABILITIES, fakeNode } from '../support/fake-node';

const report = (changes: Partial<HostReport> = {}): HostReport => ({
  host: 'compute-a',
  reportedAt: new Date(0).toISOString(),
  availabilityZone: 'nova',
  node: fakeNode('compute-a'),
  capabilities: FAKE_CAPABILITIES,
  guests: { 'f3a0b1c2-0000-4000-8000-000000000001': 1 },
  ...changes,
});

describe('RecordedReports: which host reports may skip the full record', () => {
  let now = 0;
  const recorded = new RecordedReports(60_000, () => now);
  beforeEach(() => {
    now = 0;
    recorded.forget('compute-a');
  });

  it('skips a report that says the same as the last one, whatever its time', () => {
    expect(recorded.isUnchanged(report())).toBe(false);
    recorded.remember(report());
    now = 10_000;
    expect(recorded.isUnchanged(report({ reportedAt: new Date(10_000).toISOString() }))).toBe(true);
  });

  it('records in full a report whose guests, inventory or zone changed', () => {
    recorded.remember(report());
    expect(recorded.isUnchanged(report({ guests: {} }))).toBe(false);
    expect(recorded.isUnchanged(report({ node: fakeNode('compute-a', { vcpusUsed: 1 }) }))).toBe(false);
    expect(recorded.isUnchanged(report({ availabilityZone: 'az2' }))).toBe(false);
    expect(recorded.isUnchanged(report({ host: 'compute-b' }))).toBe(false);
  });

  it('records in full again once the refresh time has passed since the last full record', () => {
    recorded.remember(report());
    now = 59_999;
    expect(recorded.isUnchanged(report())).toBe(true);
    now = 60_000;
    expect(recorded.isUnchanged(report())).toBe(false);
  });
});
