export { SwarmDeployer, type SwarmDeployerOptions } from './swarm-deployer.js';
export type { PlacementConstraints, SwarmHost } from './hosts.js';
export { cleanSwarmLeftovers, removeSwarmRun } from './cleanup.js';
export { copyImage } from './image-copy.js';
export type { SwarmAgentsOption } from './swarm-agents.js';
