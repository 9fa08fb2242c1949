/**
 * Helpers for the expectation, chaos and report integration tests: a small real transfer workload (signs
 * with the wallets' keys and submits through the node API, so blocks carry transactions the supply check
 * replays), and a workload that runs a node-control action at a chosen moment of the window.
 */
import { devnetApi } from '../../src/adapters/devnet/client.js';
import { fromHex } from '../../src/util/bytes.js';
import { ed25519Backend } from '../../src/adapters/devnet/wire/ed25519.js';
import { signTx, txToJson } from '../../src/adapters/devnet/wire/tx.js';
import type { RunContext, Workload } from '../../src/runtime/contracts.js';
import { nowMs, sleep } from '../../src/util/clock.js';

export class TransferWorkload implements Workload {
  readonly name = 'test-transfers';
  readonly accepted: string[] = [];
  readonly rejected: string[] = [];

  /** `perTick` transfers every `tickMs` from rotating wallets to the next wallet (to `target` or round-robin), until the window ends. */
  constructor(private readonly opts: { senders: number; tickMs: number; perTick: number; fee?: number; target?: string }) {}

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const backend = ed25519Backend('node');
    const senders = ctx.wallets.slice(0, this.opts.senders).map((w) => ({ w, key: backend.keyFromSeed(fromHex(w.secret, 32)), nonce: 0 }));
    let i = 0;
    while (!signal.aborted && nowMs() < ctx.window.endMs) {
      const nodes = ctx.nodes();
      await Promise.all(
        Array.from({ length: this.opts.perTick }, async () => {
          const s = senders[i++ % senders.length]!;
          const to = ctx.wallets[(s.w.index + 1) % ctx.wallets.length]!.address;
          const tx = signTx({ from: s.w.address, nonce: s.nonce++, fee: this.opts.fee ?? 1, ops: [{ kind: 'transfer', to, amount: 3 }] }, s.key);
          const node = this.opts.target ? ctx.node(this.opts.target) : nodes[i % nodes.length]!;
          try {
            const r = await devnetApi(node.client, 'test').submitTx(txToJson(tx));
            (r.result === 'ok' ? this.accepted : this.rejected).push(tx.id);
            if (r.result !== 'ok') s.nonce--;
          } catch {
            s.nonce--;
          }
        }),
      );
      await sleep(this.opts.tickMs, signal);
    }
  }
}

/** Runs `action` once, `atMs` after the window starts (e.g. pause a node and never resume it). */
export class ActionWorkload implements Workload {
  constructor(
    readonly name: string,
    private readonly atMs: number,
    private readonly action: (ctx: RunContext) => Promise<void>,
  ) {}

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    await sleep(Math.max(0, ctx.window.startMs + this.atMs - nowMs()), signal);
    if (!signal.aborted) await this.action(ctx);
  }
}
