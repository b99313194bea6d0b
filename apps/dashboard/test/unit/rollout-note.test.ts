import { describe, expect, it } from 'vitest';
import { rolloutNote } from '../../src/fleet/rollout-note.js';

describe('the deployment page without rollout waves', () => {
  it('says "no staged rollout" only for a deployment without a policy; one with a policy has not started yet', () => {
    expect(rolloutNote(null)).toBe('No staged rollout: every targeted device gets it at once.');
    expect(rolloutNote(undefined)).toBe('No staged rollout: every targeted device gets it at once.');
    expect(rolloutNote({ waves: [{ count: 1, successRate: 1, deadlineSeconds: 60 }] })).toBe('Staged rollout not started yet: no targeted device gets it before its first wave starts.');
  });
});
