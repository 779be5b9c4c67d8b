/** The p-th percentile (nearest rank) of some latencies, in ms. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface RunFigures {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export function figures(name: string, startedAt: number, latencies: number[], endedAt: number): RunFigures {
  const seconds = (endedAt - startedAt) / 1000;
  return {
    name,
    count: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

export function formatFigures(rows: RunFigures[]): string {
  const header = '| run | n | wall s | per s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${r.count} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(2)} | ${Math.round(r.p50)} | ${Math.round(r.p95)} | ${Math.round(r.p99)} |`,
  );
  return [header, ...lines].join('\n');
}
