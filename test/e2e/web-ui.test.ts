import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { projectRoot } from '../../common/paths';
import { ADMIN, ApiClient } from '../support/api-client';
import { chromiumForTests, launchChromium } from '../support/browser';
import { settled } from '../support/moves';
import { bootDefaults, computeServices, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const { executable, reason } = chromiumForTests();
const uiUrl = process.env.TEMPORAL_UI_URL;
const describeWithBrowser = executable && uiUrl ? describe : describe.skip;
if (!executable) console.warn(`skipping the Web UI browser test: ${reason}`);
else if (!uiUrl)
  console.warn('skipping the Web UI browser test: TEMPORAL_UI_URL is not set (a cluster without a UI)');

/** Where the test leaves its screenshots for a person to look at. */
const SCREENSHOTS = join(projectRoot(), '.data', 'test-artifacts');

/**
 * An operator's trace of a server in the Temporal Web UI, in a real headless chromium (Debian's,
 * through playwright-core): the workflow list filtered by the InstanceUuid search attribute shows
 * the server's boot and resize, and the page os-instance-actions links to is that workflow's.
 */
describeWithBrowser('the Temporal Web UI traces every operation', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let browser: Browser;

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['ui-1', 'ui-2'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 2);
    browser = await launchChromium(executable!);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("finds a server's boot and resize by InstanceUuid, and opens the workflow an instance action names", async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'traced', imageRef: imageId });
    const id: string = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');
    const resized = await admin.post(
      `/compute/v2.1/servers/${id}/action`,
      { resize: { flavorRef: '2' } },
      LATEST,
    );
    expect(resized.status).toBe(202);
    await settled(admin, id, 'VERIFY_RESIZE');

    // The UI lists what Temporal's visibility store holds, which lags the workflows themselves
    // (more so on a loaded machine); wait until it lists both, then open the page the operator would.
    const visible = async () => {
      const operations = new Set<string>();
      for await (const wf of stack.temporal().workflow.list({ query: `InstanceUuid = '${id}'` })) {
        operations.add(wf.workflowId.split('-')[0]);
      }
      return operations.has('create') && operations.has('resize');
    };
    await waitFor(visible, 60_000, 'the visibility store to list the boot and the resize');

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const list = `${uiUrl}/namespaces/${stack.namespace}/workflows?query=${encodeURIComponent(`InstanceUuid="${id}"`)}`;
    // Each listed workflow's id links to its page; the page reads the list once, so a slow first
    // load is retried by reloading, as a person would.
    const workflowLink = (pattern: RegExp) => page.getByRole('link', { name: pattern });
    const bothListed = async () => {
      await page.goto(list);
      for (const operation of ['create', 'resize']) {
        await workflowLink(new RegExp(`^\\s*${operation}-${id}-req-`))
          .first()
          .waitFor({ timeout: 20_000 });
      }
    };
    await bothListed().catch(bothListed).catch(bothListed);
    // Only this server's workflows are listed: nothing of another instance, no host workflow.
    const listed = await workflowLink(/^\s*(create|resize|host|reconcile|power-sync)-/).allTextContents();
    expect(listed.map((text) => text.trim().split('-')[0]).sort()).toEqual(['create', 'resize']);
    mkdirSync(SCREENSHOTS, { recursive: true });
    const screenshot = join(SCREENSHOTS, `web-ui-${id}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`Web UI screenshot: ${screenshot}`);

    // The resize's instance action names its workflow's page; it shows that workflow.
    const requestId = resized.headers.get('x-openstack-request-id');
    const action = (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`, LATEST))
      .body.instanceAction;
    expect(action.workflow_id).toBe(`resize-${id}-${requestId}`);
    expect(action.workflow_run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(action.workflow_url).toBe(
      `${uiUrl}/namespaces/${stack.namespace}/workflows/${action.workflow_id}/${action.workflow_run_id}`,
    );
    await page.goto(action.workflow_url);
    await page.getByText('resizeWorkflow', { exact: true }).first().waitFor({ timeout: 60_000 });
    expect(await page.innerText('body')).toContain(action.workflow_run_id);
    await page.close();
  });
});
