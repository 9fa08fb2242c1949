/**
 * Load agents in a run: the scenario's `agents` as load engine options, with the agents' identities, clocks and
 * losses written to the run's history, and lost shards resolved from the chain once the run settled.
 */
import type { RunContext } from '../runtime/contracts.js';
import { lostShardsPath, resolveLostShards, type LostShardResolution } from './agent-loss.js';
import type { LoadEngine, LoadEngineOptions } from './engine.js';

export type AgentEngineOptions = Pick<LoadEngineOptions, 'agents' | 'agentLoss' | 'onAgent' | 'onShardLost' | 'onAgentUnreachable' | 'onAgentClock'>;

/** The engine options for the scenario's agents (none: {}), reporting to the run's history under `workload`. */
export function agentEngineOptions(ctx: Pick<RunContext, 'events' | 'scenario'>, workload: string): AgentEngineOptions {
  const spec = ctx.scenario.agents;
  if (!spec || spec.addresses.length === 0) return {};
  return {
    agents: spec.addresses,
    agentLoss: spec.onLoss,
    onAgent: (a) => ctx.events.emit('agent.connected', { workload, address: a.address, host: a.host, pid: a.pid, cores: a.cores, offsetMs: a.offsetMs, uncertaintyMs: a.uncertaintyMs, rttMs: a.rttMs, shards: a.shards }),
    onAgentClock: (c) => ctx.events.emit('agent.clock', { workload, address: c.address, offsetMs: c.offsetMs, uncertaintyMs: c.uncertaintyMs, rttMs: c.rttMs, sampleOffsetMs: c.sampleOffsetMs, sampleRttMs: c.sampleRttMs }),
    onAgentUnreachable: (address, reason) => {
      process.stderr.write(`loadnet: ${workload}: load agent ${address} unreachable when the load started (${reason}); its share goes to the other agents\n`);
      ctx.events.emit('agent.unreachable', { workload, address, reason });
    },
    onShardLost: (l) => {
      const line = `loadnet: ${workload}: load agent ${l.agent} lost (${l.reason}): shard ${l.workerIndex}, ${l.inFlightAtLastReport} in flight at its last report; ${spec.onLoss === 'continue' ? 'the others go on' : 'the load stops'}`;
      process.stderr.write(`${line}\n`);
      ctx.events.emit('agent.lost', {
        workload,
        address: l.agent,
        workerIndex: l.workerIndex,
        wallets: l.wallets,
        reason: l.reason,
        onLoss: spec.onLoss,
        lastReportAtMs: l.lastReportAtMs,
        inFlightAtLastReport: l.inFlightAtLastReport,
        sent: l.sent,
        accepted: l.accepted,
      });
    },
  };
}

/** After the run settled: every lost shard's transactions resolved from the nodes, into the history and lost-shards.json. */
export async function resolveAgentLosses(engine: LoadEngine, ctx: Pick<RunContext, 'events' | 'nodes' | 'runDir'>, workload: string): Promise<LostShardResolution[]> {
  const file = lostShardsPath(ctx.runDir);
  const resolved = await resolveLostShards(engine.lostShardDetails(), ctx.nodes(), file);
  for (const r of resolved) {
    ctx.events.emit('agent.resolved', {
      workload,
      address: r.agent,
      workerIndex: r.workerIndex,
      wallets: r.wallets,
      included: r.included,
      includedUnreported: r.includedUnreported,
      reportedNotIncluded: r.reportedNotIncluded,
      pendingUnreported: r.pendingUnreported,
      unknownAtLoss: r.unknownAtLoss,
      file,
    });
  }
  return resolved;
}
