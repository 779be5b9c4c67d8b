import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { distDir } from '../common/paths';

/** Bundles the workflows once at build time, so a conductor starts without running webpack. */
export const WORKFLOW_BUNDLE = join(distDir(), 'workflow-bundle.js');

async function main() {
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(distDir(), 'workflows', 'index.js'),
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
