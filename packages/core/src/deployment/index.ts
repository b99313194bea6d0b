export { checkDeploymentManifest, compileEdgeHubRoutes, type DeploymentCheck, type EdgeHubRoutesCheck } from './check-deployment.js';
