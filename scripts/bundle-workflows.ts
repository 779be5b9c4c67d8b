import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { distDir } from '../common/paths';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../common/tracing';

/** Bundles the workflows once at build time, so a conductor starts without running webpack. */
export const WORKFLOW_BUNDLE = join(distDir(), 'workflow-bundle.js');

async function main() {
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(distDir(), 'workflows', 'index.js'),
    // OpenTelemetry's workflow interceptors: spans go to the conductor's sink (dropped when off).
    workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS],
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await writeFile(WORKFLOW_BUNDLE, code);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
