/**
 * What the swarm deployer refuses of the adversaries, before it touches an engine: the API flood (through a
 * host's published port every request from this machine comes from one address, so its control client could
 * not be a client of its own). The flooding peer is not refused: the swarm publishes each node's P2P port
 * (run on a real swarm by hand: bench/RESULTS.md).
 */
import { describe, expect, it } from 'vitest';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { SwarmDeployer } from '../../src/deployers/swarm/index.js';
import { LoadnetError } from '../../src/errors.js';

const flood = () =>
  ScenarioBuilder.topology()
      .validators(2)
      .apply()
    .floodApi({ rate: 1000, target: 'validator-1' })
    .withRunDuration('5s')
    .build();

describe('adversaries on the swarm deployer', () => {
  it('refuses an api-flood naming the deployer, the workload and where it runs', async () => {
    // No engine at this socket: the refusal must come first.
    const err = await new SwarmDeployer({ socketPath: '/nonexistent/docker.sock' }).deploy(flood()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadnetError);
    expect((err as LoadnetError).code).toBe('LN_ERR_SCENARIO_INVALID');
    expect((err as LoadnetError).message).toMatch(/^the swarm deployer cannot run an api-flood \(workloads\[0\]\): through a host's published port .* run it on the local or compose deployer$/);
    expect((err as LoadnetError).issues).toEqual([{ field: 'workloads[0]', value: 'api-flood (target validator-1)', allowed: expect.stringMatching(/^the local or compose deployer/) }]);
  });
});
