/**
 * Where an operator sees a workflow in the Temporal Web UI: its run's page, or, before
 * the run id is known, the list filtered to that workflow id.
 */
export function workflowUrl(
  uiUrl: string,
  namespace: string,
  workflowId: string,
  runId: string | null,
): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  if (runId) return `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}`;
  return `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
}
