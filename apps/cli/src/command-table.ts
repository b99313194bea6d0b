import type { Command } from 'commander';

/**
 * One `commands/<noun>-<verb>.ts` module: the command paths it registers (`['device', 'list']`; a module may register
 * several, e.g. `deployment pause|resume|abort`) and how to load its `register…` function. Loading is lazy: a command
 * module imports what its action needs (the API client, contracts and zod, the simulator, the cloud…), and loading
 * every module costs about a second of CPU before commander even parses argv.
 */
export interface CommandModule {
  readonly paths: readonly (readonly string[])[];
  readonly load: () => Promise<(program: Command) => void>;
}

/**
 * Every command module, in registration order (the order `verge --help` and each group's help list them; for a group
 * that several modules create, the first one's description is the group's). test/unit/command-table.test.ts checks
 * that the paths are exactly the commands the modules register and that each command's help is the same whether its
 * module is registered alone or with all the others.
 */
export const commandModules: readonly CommandModule[] = [
  { paths: [['device', 'create']], load: async () => (await import('./commands/device-create.js')).registerDeviceCreate },
  { paths: [['device', 'list']], load: async () => (await import('./commands/device-list.js')).registerDeviceList },
  { paths: [['device', 'show']], load: async () => (await import('./commands/device-show.js')).registerDeviceShow },
  {
    paths: [['device', 'connection-string'], ['module', 'connection-string']],
    load: async () => (await import('./commands/connection-string-show.js')).registerConnectionStringShow,
  },
  { paths: [['device', 'update']], load: async () => (await import('./commands/device-update.js')).registerDeviceUpdate },
  { paths: [['device', 'delete']], load: async () => (await import('./commands/device-delete.js')).registerDeviceDelete },
  {
    paths: [['device', 'apply-configuration'], ['deploy']],
    load: async () => (await import('./commands/device-apply-configuration.js')).registerDeviceApplyConfiguration,
  },
  { paths: [['module', 'create']], load: async () => (await import('./commands/module-create.js')).registerModuleCreate },
  { paths: [['module', 'list']], load: async () => (await import('./commands/module-list.js')).registerModuleList },
  { paths: [['module', 'show']], load: async () => (await import('./commands/module-show.js')).registerModuleShow },
  { paths: [['module', 'update']], load: async () => (await import('./commands/module-update.js')).registerModuleUpdate },
  { paths: [['module', 'delete']], load: async () => (await import('./commands/module-delete.js')).registerModuleDelete },
  { paths: [['twin', 'show']], load: async () => (await import('./commands/twin-show.js')).registerTwinShow },
  { paths: [['twin', 'update']], load: async () => (await import('./commands/twin-update.js')).registerTwinUpdate },
  { paths: [['method', 'invoke']], load: async () => (await import('./commands/method-invoke.js')).registerMethodInvoke },
  { paths: [['c2d', 'send']], load: async () => (await import('./commands/c2d-send.js')).registerC2dSend },
  { paths: [['monitor']], load: async () => (await import('./commands/monitor.js')).registerMonitor },
  { paths: [['manifest', 'validate']], load: async () => (await import('./commands/manifest-validate.js')).registerManifestValidate },
  { paths: [['route', 'test']], load: async () => (await import('./commands/route-test.js')).registerRouteTest },
  { paths: [['simulate']], load: async () => (await import('./commands/simulate.js')).registerSimulate },
  { paths: [['cloud', 'start']], load: async () => (await import('./commands/cloud-start.js')).registerCloudStart },
  { paths: [['cloud', 'credentials']], load: async () => (await import('./commands/cloud-credentials.js')).registerCloudCredentials },
  { paths: [['edge', 'start']], load: async () => (await import('./commands/edge-start.js')).registerEdgeStart },
  { paths: [['edge', 'list']], load: async () => (await import('./commands/edge-list.js')).registerEdgeList },
  { paths: [['edge', 'logs']], load: async () => (await import('./commands/edge-logs.js')).registerEdgeLogs },
  { paths: [['edge', 'restart']], load: async () => (await import('./commands/edge-restart.js')).registerEdgeRestart },
  { paths: [['edge', 'config', 'apply']], load: async () => (await import('./commands/edge-config-apply.js')).registerEdgeConfigApply },
  {
    paths: [['edge', 'dead-letters'], ['edge', 'dead-letters', 'replay']],
    load: async () => (await import('./commands/edge-dead-letters.js')).registerEdgeDeadLetters,
  },
  { paths: [['edge', 'check']], load: async () => (await import('./commands/edge-check.js')).registerEdgeCheck },
  { paths: [['edge', 'support-bundle']], load: async () => (await import('./commands/edge-support-bundle.js')).registerEdgeSupportBundle },
  { paths: [['files', 'list']], load: async () => (await import('./commands/files-list.js')).registerFilesList },
  { paths: [['files', 'get']], load: async () => (await import('./commands/files-get.js')).registerFilesGet },
  { paths: [['deployment', 'create']], load: async () => (await import('./commands/deployment-create.js')).registerDeploymentCreate },
  { paths: [['deployment', 'list']], load: async () => (await import('./commands/deployment-list.js')).registerDeploymentList },
  { paths: [['deployment', 'show']], load: async () => (await import('./commands/deployment-show.js')).registerDeploymentShow },
  { paths: [['deployment', 'delete']], load: async () => (await import('./commands/deployment-delete.js')).registerDeploymentDelete },
  { paths: [['deployment', 'plan']], load: async () => (await import('./commands/deployment-plan.js')).registerDeploymentPlan },
  { paths: [['deployment', 'status']], load: async () => (await import('./commands/deployment-status.js')).registerDeploymentStatus },
  {
    paths: [['deployment', 'pause'], ['deployment', 'resume'], ['deployment', 'abort']],
    load: async () => (await import('./commands/deployment-rollout.js')).registerDeploymentRollout,
  },
  { paths: [['device', 'explain']], load: async () => (await import('./commands/device-explain.js')).registerDeviceExplain },
  { paths: [['job', 'create']], load: async () => (await import('./commands/job-create.js')).registerJobCreate },
  { paths: [['job', 'show']], load: async () => (await import('./commands/job-show.js')).registerJobShow },
  { paths: [['job', 'cancel']], load: async () => (await import('./commands/job-cancel.js')).registerJobCancel },
  { paths: [['job', 'list']], load: async () => (await import('./commands/job-list.js')).registerJobList },
];

/** What a command line needs registered before commander parses it. */
export type CommandSelection =
  /** `verge --version` alone: the root command answers it without any sub-command. */
  | { readonly kind: 'none' }
  /** The line names a command (its leading words are one of `module`'s paths): that module alone. */
  | { readonly kind: 'one'; readonly module: CommandModule }
  /** Anything else (help of the root or of a group, an unknown or misspelt command…): the whole tree. */
  | { readonly kind: 'all' };

/**
 * Chooses what to register for `args` (argv without node and the script): the module of the longest path that the
 * leading words of `args` spell. The root and the groups take no option but help, so the words before the first
 * `-…` are exactly the command path commander will follow; a line that stops at a group, names no known command or
 * puts an option first gets the whole tree, so its help, suggestions and errors stay those of the whole tree.
 */
export function selectCommands(args: readonly string[], modules: readonly CommandModule[] = commandModules): CommandSelection {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return { kind: 'none' };
  let best: { module: CommandModule; length: number } | undefined;
  for (const module of modules) {
    for (const path of module.paths) {
      if (path.length <= (best?.length ?? 0) || path.length > args.length) continue;
      if (path.every((word, i) => args[i] === word)) best = { module, length: path.length };
    }
  }
  return best === undefined ? { kind: 'all' } : { kind: 'one', module: best.module };
}
