import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  type OpenTelemetrySinks,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/**
 * OpenTelemetry tracing through Temporal's interceptors, on when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set (OTLP over HTTP, the exporter's own reading of that variable and its friends): a client
 * span for each workflow started or signalled, the workflow's spans (exported through a sink:
 * workflow code does no I/O), and a span per activity, all in one trace whose context travels in
 * Temporal's headers. Off, nothing is recorded; the workflow bundle's interceptors then hand
 * their spans to a sink that drops them.
 */
export class Tracing {
  private constructor(
    readonly enabled: boolean,
    private readonly spanProcessor: SpanProcessor,
    private readonly resource: Resource,
    private readonly provider: BasicTracerProvider | undefined,
  ) {}

  static start(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
    const resource = new Resource({ 'service.name': `novaflow-${serviceName}` });
    if (!env.OTEL_EXPORTER_OTLP_ENDPOINT)
      return new Tracing(false, new NoopSpanProcessor(), resource, undefined);
    const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 });
    const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
    // The context manager carries the active span across awaits: without it a span has no parent.
    provider.register({ contextManager: new AsyncLocalStorageContextManager() });
    return new Tracing(true, spanProcessor, resource, provider);
  }

  /** For a Temporal Client: spans for starting, signalling and querying workflows. */
  clientInterceptors(): { workflow: WorkflowClientInterceptor[] } {
    return { workflow: this.enabled ? [new OpenTelemetryWorkflowClientInterceptor()] : [] };
  }

  /** For a Worker: a span per activity attempt, continuing the workflow's trace. */
  activityInterceptors(): ActivityInterceptorsFactory[] {
    if (!this.enabled) return [];
    return [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ];
  }

  /** For a Worker that runs workflows: the sink their interceptors export spans through. */
  workflowSinks(): InjectedSinks<OpenTelemetrySinks> {
    return { exporter: makeWorkflowExporter(this.spanProcessor, this.resource) };
  }

  /** Sends what is still buffered; at shutdown. */
  async stop(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** The workflow interceptors module, bundled with the workflows (scripts/bundle-workflows.ts). */
export const WORKFLOW_TRACING_INTERCEPTORS =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
