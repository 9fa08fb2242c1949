/** The attach deployer: nodes that already run. */
export { AttachDeployer, type AttachDeployerOptions } from './attach-deployer.js';
