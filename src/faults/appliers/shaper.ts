/**
 * Network faults rendered by loadnet's link shaper (src/shaper/link-shaper.ts): a TCP proxy per directed peer
 * link, so it works for any chain whose nodes take peer addresses from config (no netem, no testing API).
 * The deployment routes its nodes' peer addresses through the shaper at deploy time; this applier only
 * sets each directed link's shape from the desired state.
 */
import type { LinkShaper } from '../../shaper/link-shaper.js';
import type { ClockSkew, ClockSkewApplier, LinkApplierChoice, NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';
import type { FaketimeClock } from '../../shaper/faketime-clock.js';

/** What the shaper renders (also read before deploy, to check a scenario's faults). */
export const SHAPER_LINKS = {
  name: 'shaper',
  renders: {
    cut: 'the link shaper resets the connections between the two nodes and resets new ones until healed',
    delay: 'the link shaper holds each chunk of the TCP stream for the delay',
    jitter: 'the link shaper adds a uniform ± jitter per chunk (seeded), order kept',
    loss: 'the link shaper stalls a chunk 200 ms with that probability (a TCP retransmission; a proxy cannot drop stream bytes)',
    bandwidth: 'the link shaper token bucket (16 KiB burst)',
  },
} as const;

export const FAKETIME_CLOCK = {
  name: 'libfaketime',
  renders: {
    offset: "libfaketime shifts the node process's wall clock (re-read every second, kept across restarts)",
    jitter: 'a uniform ± jitter redrawn every second (seeded per node)',
    drift: 'the offset grows by driftPpm µs per second, updated every second',
  },
} as const;

export class ShaperApplier implements NetworkFaultApplier {
  readonly name = SHAPER_LINKS.name;
  readonly renders = SHAPER_LINKS.renders;

  /** `choice`: why the link shaper and not netem (applier.ts chooseLinkApplier), recorded with each link fault. */
  constructor(
    private readonly shaper: LinkShaper,
    readonly choice?: LinkApplierChoice,
  ) {}

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    for (const node of nodes) {
      const links = state.linksFrom(node, nodes);
      for (const peer of nodes) {
        if (peer === node) continue;
        const l = links.get(peer);
        this.shaper.set(node, peer, {
          delayMs: props.has('delay') ? l?.delayMs : undefined,
          jitterMs: props.has('jitter') ? l?.jitterMs : undefined,
          loss: props.has('loss') ? l?.loss : undefined,
          bandwidthBytesPerSec: props.has('bandwidth') && l?.rateBytesPerSec ? l.rateBytesPerSec : undefined,
          blackhole: props.has('cut') && l?.cut ? 'drop' : null,
        });
      }
    }
  }

  async close(): Promise<void> {
    await this.shaper.close();
  }
}

/** Clock skew rendered by libfaketime (src/shaper/faketime-clock.ts): any chain's processes, surviving restarts. */
export class FaketimeApplier implements ClockSkewApplier {
  readonly name = FAKETIME_CLOCK.name;
  readonly renders = FAKETIME_CLOCK.renders;

  constructor(private readonly clocks: FaketimeClock) {}

  async apply(node: string, skew: ClockSkew | undefined): Promise<void> {
    this.clocks.set(node, skew ?? {});
  }

  async close(): Promise<void> {
    this.clocks.close();
  }
}
