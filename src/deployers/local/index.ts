/** The local deployer: nodes as child processes on loopback. */
export { LocalDeployer, type LocalDeployerOptions } from './local-deployer.js';
export { cleanLeftovers, type CleanReport } from './leftovers.js';
