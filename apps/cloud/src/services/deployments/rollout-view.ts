/** Desired content to restore: module id → desired properties. */
export type RestoreContent = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * What deployment evaluation asks of staged rollouts, for one evaluation pass (a snapshot: answers do not change
 * during the pass). The rollout controller provides the real one; without rollouts every device is admitted.
 */
export interface RolloutView {
  /** False when `configurationId` has a rollout and `deviceId` is not admitted (wave not started, rolled back, aborted…). */
  admits(configurationId: string, deviceId: string): boolean;
  /**
   * Desired content to restore for a device that a rolled-back rollout left with no applicable deployment;
   * undefined otherwise (the device then keeps what it has).
   */
  restore(deviceId: string): Promise<RestoreContent | undefined>;
}

/** Takes one `RolloutView` snapshot per evaluation pass. */
export interface RolloutViews {
  load(): Promise<RolloutView>;
}

/** No staged rollouts: every targeted device is admitted at once, nothing is ever restored. */
export const admitEveryone: RolloutView = {
  admits: () => true,
  restore: () => Promise.resolve(undefined),
};

/** The default `RolloutViews`: always `admitEveryone`. */
export const noRollouts: RolloutViews = { load: () => Promise.resolve(admitEveryone) };
