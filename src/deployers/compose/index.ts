export { ComposeDeployer, type ComposeDeployerOptions } from './compose-deployer.js';
export type { NodeResources, ResourcesOption } from './compose-deployment.js';
export { cleanComposeLeftovers, type CleanOptions, type RemovedObjects } from './cleanup.js';
export { AGENT_PORT_IN_CONTAINER, ensureNodeImage, type NodeImage, type NodeImageOptions } from './image.js';
