/**
 * `.da().channelRate(2).blobRate(3).apply()`: the data-availability workload. Names follow the seed; their
 * meaning is stated, not guessed: `channelRate(c)` is the number of DA channels opened (with inscriptions), and
 * `blobRate(b)` is blobs per block on average across all channels, paced at b / meanBlockInterval per second.
 */
export type DaDraft = Record<string, unknown> & { type: 'da' };

export class DaBuilder<P> {
  /** @internal use `ScenarioBuilder#da()` */
  constructor(
    private readonly draft: DaDraft,
    private readonly finish: (draft: DaDraft) => P,
  ) {}

  private with(patch: Record<string, unknown>): DaBuilder<P> {
    return new DaBuilder({ ...this.draft, ...patch }, this.finish);
  }

  /** Number of DA channels. Default 1. */
  channelRate(channels: number): DaBuilder<P> {
    return this.with({ channels });
  }

  /** Blobs per block across all channels. Default 1. */
  blobRate(blobsPerBlock: number): DaBuilder<P> {
    return this.with({ blobsPerBlock });
  }

  /** Blob size in bytes, uniform in [min, max] (max defaults to min). Default 1024–4096. */
  blobSize(minBytes: number, maxBytes: number = minBytes): DaBuilder<P> {
    return this.with({ blobSizeBytes: { min: minBytes, max: maxBytes } });
  }

  /** Back to the scenario builder, with this workload added. */
  apply(): P {
    return this.finish(this.draft);
  }
}
