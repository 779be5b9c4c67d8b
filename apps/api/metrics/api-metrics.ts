import { Injectable } from '@nestjs/common';
import { type NextFunction, type Request, type Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { currentRequest } from '../common/request-context';

/**
 * The API's Prometheus metrics, on a registry of its own: requests by method, route and status,
 * their latency, the operations it launched, and (read at each scrape) compute hosts by state and
 * instances by vm_state. Labels are bounded: a route is its pattern, never its ids.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'novaflow_api_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'novaflow_api_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** How many statements a request sends: a list whose count grows with its page is an N+1. */
  private readonly queries = new Histogram({
    name: 'novaflow_api_request_db_queries',
    help: 'SQL statements one HTTP request sent, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });

  private readonly launched = new Counter({
    name: 'novaflow_api_operations_launched_total',
    help: 'Operations (and runbooks) the API claimed and queued, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly hosts = new Gauge({
    name: 'novaflow_compute_hosts',
    help: 'Compute services by state: up, down, disabled (as os-services shows them)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly instances = new Gauge({
    name: 'novaflow_instances',
    help: 'Instances not deleted, by vm_state',
    labelNames: ['vm_state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'novaflow_api_' });
  }

  operationLaunched(operation: string): void {
    this.launched.inc({ operation });
  }

  /** Express middleware: counts and times each request once it has been answered. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = process.hrtime.bigint();
    const context = currentRequest();
    res.on('finish', () => {
      const pattern = (req.route as { path?: string } | undefined)?.path;
      const route = pattern ? `${req.baseUrl}${pattern}` : 'unmatched';
      this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.latency.observe({ method: req.method, route }, Number(process.hrtime.bigint() - startedAt) / 1e9);
      if (context) this.queries.observe({ method: req.method, route }, context.queries);
    });
    next();
  };
}
