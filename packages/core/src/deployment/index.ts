export { checkDeploymentManifest, compileEdgeHubRoutes, type DeploymentCheck, type EdgeHubRoutesCheck } from './check-deployment.js';
export { checkLayeredContent } from './check-layer.js';
