/**
 * The signals a move's workflow takes while it runs: the API's confirm, revert and force-complete,
 * and a live migration's progress from its source host. Pure data: workflows, the API and the
 * compute worker all name them from here.
 */
export const MOVE_SIGNALS = {
  /** The API confirmed a resize or cold migration (args: the confirm's request id). */
  confirmResize: 'confirmResize',
  /** The API reverted it (args: the revert's request id). */
  revertResize: 'revertResize',
  /** POST /servers/{id}/migrations/{mid}/action force_complete. */
  forceComplete: 'forceCompleteLiveMigration',
  /** The source host's measure of a live migration's copy. */
  liveMigrationProgress: 'liveMigrationProgress',
} as const;

/** What the API sends with a confirm or revert: the request whose instance action it finishes. */
export interface MoveDecision {
  requestId: string;
}
