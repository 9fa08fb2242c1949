/**
 * One cluster of real node processes for a whole test file: planned and started in beforeAll, and in afterAll
 * every process then in `nodes` stopped and the cluster's temp dir removed.
 */
import { afterAll, beforeAll } from 'vitest';
import type { NodeConfig } from '../../../src/node/config.js';
import { planCluster, removeDir, spawnNode, stopProcess, type ClusterPlan, type ClusterSpec, type RunningProcess } from '../node-harness.js';

export interface FileCluster {
  /** The plan (wallets, validator keys, configs); read it in tests and hooks, not at module load. */
  readonly plan: ClusterPlan;
  /** The running node processes by index. A test that restarts a node puts the new process in its place; one that stops them all empties it. */
  readonly nodes: RunningProcess[];
}

export interface FileClusterOptions {
  /** Changes the configs (or readies what the nodes need) between planning and starting. */
  prepare?: (plan: ClusterPlan) => void | Promise<void>;
  /** How each node is started (default: `spawnNode(config)`). */
  start?: (config: NodeConfig) => Promise<RunningProcess>;
}

export function clusterForFile(spec: ClusterSpec, options: FileClusterOptions = {}): FileCluster {
  let plan: ClusterPlan | undefined;
  const nodes: RunningProcess[] = [];
  beforeAll(async () => {
    plan = await planCluster(spec);
    await options.prepare?.(plan);
    const started = await Promise.allSettled(plan.configs.map((c) => (options.start ?? spawnNode)(c)));
    // The nodes that did start are stopped in afterAll even when another one failed to.
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  });
  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => stopProcess(n)));
    if (plan) removeDir(plan.dir);
  });
  return {
    get plan(): ClusterPlan {
      if (!plan) throw new Error('the cluster is planned in beforeAll: read its plan in a test or a later hook');
      return plan;
    },
    nodes,
  };
}
