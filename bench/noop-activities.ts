/** An activity that does nothing: what is left is Temporal's own cost. */
export function createNoopActivities() {
  return {
    async noop(): Promise<void> {},
  };
}
