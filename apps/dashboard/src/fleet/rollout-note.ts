/**
 * What the deployment page says about a deployment it shows no rollout waves for. `GET …/rollout` answers 404 when
 * the deployment has no rollout policy, but also when its rollout has not started yet and when the deployment is
 * gone, so the deployment's own `rollout` field decides (and the page says nothing when the deployment could not be
 * read).
 */
export function rolloutNote(policy: Readonly<Record<string, unknown>> | null | undefined): string {
  return policy === null || policy === undefined
    ? 'No staged rollout: every targeted device gets it at once.'
    : 'Staged rollout not started yet: no targeted device gets it before its first wave starts.';
}
