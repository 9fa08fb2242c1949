/** The local deployer: nodes as child processes on loopback. */
export { LocalDeployer, type LocalDeployerOptions } from './local-deployer.js';
export { cleanLeftovers, describeSweep, type CleanReport, type SweptRun } from './leftovers.js';
