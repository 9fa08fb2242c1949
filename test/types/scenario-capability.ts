// Compile-time tests of the DSL's types as users get them: test/types/scenario-capability.test.ts compiles this file
// against the built package ('loadnet' through its exports); `npm run typecheck` checks it against src/ as well.
// Each expect-error directive must stay an error: if it compiled, tsc would report the directive as unused.
import { ScenarioBuilder, type Scenario, type ScenarioSpec } from 'loadnet';

const plain = ScenarioBuilder.topology().validators(3).apply().wallets(10);

// @ts-expect-error chaos() needs enableNodeControl() first: the capability is part of the builder's type.
plain.chaos();

// @ts-expect-error also after other calls: the capability never appears by itself.
plain.transactions().rate(5).apply().withRunDuration('60s').chaos();

// @ts-expect-error the two states are different types: a builder without node control is not one with it.
export const forged: ScenarioBuilder<true> = plain;

// With node control, chaos() and its sub-builder are available, in any order of the other calls.
const withChaos: Scenario = plain
  .enableNodeControl()
  .transactions().rate(5).users(5).apply()
  .chaos().restart().minDelay('10s').maxDelay('20s').targetCooldown('15s').apply()
  .expectConsensusLiveness()
  .build();

// The capability survives sub-builders and every other method.
ScenarioBuilder.create().enableNodeControl().topology().validators(4).apply().da().apply().withSeed(1).chaos().kill().apply();

// @ts-expect-error durations are milliseconds or strings, not objects.
plain.withRunDuration({ seconds: 60 });

// @ts-expect-error the topology shape is one of 'star' | 'full' | 'ring'.
plain.topology().network('mesh');

// The spec is plain data.
const spec: ScenarioSpec = withChaos.spec;

// @ts-expect-error a builder from a spec may lack node control: enableNodeControl() before chaos(), as everywhere.
ScenarioBuilder.fromSpec(spec).chaos();
ScenarioBuilder.fromSpec(spec).enableNodeControl().chaos().pause().apply();
export const asJson: string = JSON.stringify(spec);
