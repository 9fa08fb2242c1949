/**
 * `.topology().networkStar().validators(3).executors(2).apply()`: the node set. Copy-on-write like every builder:
 * each call returns a new builder, so a partly built topology can be forked.
 */
import type { TopologyShape } from './spec.js';

export interface TopologyDraft {
  shape?: unknown;
  validators?: unknown;
  executors?: unknown;
}

export class TopologyBuilder<P> {
  /** @internal use `ScenarioBuilder.topology()` */
  constructor(
    private readonly draft: TopologyDraft,
    private readonly finish: (draft: TopologyDraft) => P,
  ) {}

  private with(patch: TopologyDraft): TopologyBuilder<P> {
    return new TopologyBuilder({ ...this.draft, ...patch }, this.finish);
  }

  /** Validator-0 is the hub; every other node peers with it only. The default. */
  networkStar(): TopologyBuilder<P> {
    return this.with({ shape: 'star' });
  }

  /** Every pair of nodes peers directly. */
  networkFull(): TopologyBuilder<P> {
    return this.with({ shape: 'full' });
  }

  /** Each node peers with its two neighbours in a ring (the longest paths: gossip crosses n/2 hops). */
  networkRing(): TopologyBuilder<P> {
    return this.with({ shape: 'ring' });
  }

  /** The shape by name ('star' | 'full' | 'ring'), e.g. from a config file; checked at build(). */
  network(shape: TopologyShape): TopologyBuilder<P> {
    return this.with({ shape });
  }

  /** Block producers (staked nodes). At least 1. */
  validators(count: number): TopologyBuilder<P> {
    return this.with({ validators: count });
  }

  /** Non-producing nodes that serve the API and DA dispersal. Default 0. */
  executors(count: number): TopologyBuilder<P> {
    return this.with({ executors: count });
  }

  /** Back to the scenario builder. */
  apply(): P {
    return this.finish(this.draft);
  }
}
