// Deployments (`{ modulesContent }`) of the scripts (demo, soak): process modules run with this Node, the system
// modules declared as Azure IoT Edge requires (Verge runs them inside the runtime process), routes and module twins.

/** A process module running `node file` with `env` (values as strings). */
export function processModule(file, env = {}, o = {}) {
  return {
    version: '1.0',
    type: 'process',
    status: 'running',
    restartPolicy: o.restartPolicy ?? 'always',
    startupOrder: o.startupOrder ?? 1,
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, { value: String(v) }])),
    settings: { command: process.execPath, args: [file] },
  };
}

/** The whole deployment: `modules` by id, `routes` by name, desired properties of module twins by module id. */
export function edgeDeployment({ modules, routes, moduleDesired = {}, timeToLiveSecs = 7200 }) {
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
            edgeHub: {
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 0,
              settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' },
            },
          },
          modules,
        },
      },
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes, storeAndForwardConfiguration: { timeToLiveSecs } } },
      ...Object.fromEntries(Object.entries(moduleDesired).map(([id, desired]) => [id, { 'properties.desired': desired }])),
    },
  };
}
