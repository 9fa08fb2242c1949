/**
 * A damaged data dir is found at start, with real node processes: a block log with a damaged record
 * in the middle stops the node with a message naming the file and offset (nothing after it is dropped
 * silently); with storage.onCorruptRecord = 'resync' it cuts the log there, says so and catches up from
 * its peer; a snapshot whose content was altered (supply changed) is refused and state is rebuilt from
 * the block log, so the node reports the true supply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import { spawnNode, stopProcess, waitFor, type RunningProcess } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 2, wallets: 2, slotDurationMs: 300, securityParam: 3, activeSlotCoeff: 0.8 });
const nodes = cluster.nodes;

/** Offsets of the records' headers in a block log (length u32 | crc u32 | payload). */
function recordOffsets(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let o = 0; o + 8 <= buf.length; o += 8 + buf.readUInt32LE(o)) out.push(o);
  return out;
}

const logOf = (n: RunningProcess) => fs.readFileSync(path.join(path.dirname(n.config.dataDir), 'node.log'), 'utf8');

describe('devnet node: damaged storage is detected at start', () => {
  it('a damaged middle record stops the node naming file and offset; resync cuts there and catches up', async () => {
    const victim = nodes[1]!;
    await waitFor('12 blocks final', async () => (await victim.client.info()).lib_height >= 12, 60_000);
    expect(await stopProcess(victim)).toBe(0);
    const file = path.join(victim.config.dataDir, 'blocks.log');
    const offsets = recordOffsets(file);
    expect(offsets.length).toBeGreaterThanOrEqual(12);
    const bad = offsets[5]!;
    const buf = fs.readFileSync(file);
    buf[bad + 8 + 20]! ^= 0xff; // a byte inside record 5's payload
    fs.writeFileSync(file, buf);

    await expect(spawnNode(victim.config, 20_000)).rejects.toThrow(new RegExp(`blocks\\.log: the record at offset ${bad} is damaged .*a valid record follows at offset ${offsets[6]}`));
    expect(logOf(victim)).toMatch(/hint: restore the data dir from a copy, or start with storage.onCorruptRecord = "resync"/);
    expect(fs.readFileSync(file)).toEqual(buf); // refused, not repaired: nothing dropped

    nodes[1] = await spawnNode({ ...victim.config, storage: { onCorruptRecord: 'resync' } });
    expect(logOf(nodes[1])).toMatch(new RegExp(`block log has a damaged record: cut there, the blocks after it will be re-synced from peers.*"offset":${bad}`));
    expect(fs.readFileSync(`${file}.damaged-at-${bad}`)).toEqual(buf);
    await waitFor('the resynced node reaches its peer', async () => {
      const [a, b] = await Promise.all([nodes[0]!.client.info(), nodes[1]!.client.info()]);
      return b.lib_height >= 12 && b.height >= a.height - 1;
    }, 60_000);
    const [a] = await nodes[0]!.client.blocksByHeight(8, 8);
    const [b] = await nodes[1]!.client.blocksByHeight(8, 8);
    expect(b?.id).toBe(a?.id);
  });

  it('a snapshot with an altered supply is refused at start and state is rebuilt from the block log', async () => {
    const w = cluster.plan.wallets[0]!;
    const txs = Array.from({ length: 20 }, (_, n) => signTransferFast(w.key, n, 2, fromHex(cluster.plan.wallets[1]!.publicKey), 5).bytes);
    expect((await nodes[0]!.client.submitBatch(encodeTxBatch(txs))).results.every((r) => r === 'ok')).toBe(true);
    const victim = nodes[1]!;
    await waitFor('the transfers final on the victim', async () => (await victim.client.account(w.publicKey)).nonce === 20 && (await victim.client.supply()).burned === 40, 60_000);
    await waitFor('the burn is in the final state', async () => {
      const info = await victim.client.info();
      return info.lib_height >= info.height - 4 && (await victim.client.blocksByHeight(1, info.lib_height)).some((b) => b.transactions.length > 0);
    }, 30_000);
    expect(await stopProcess(victim)).toBe(0);
    const snapFile = path.join(victim.config.dataDir, 'state.json');
    const snap = JSON.parse(fs.readFileSync(snapFile, 'utf8')) as { ledger: { accounts: Array<[string, number, number]>; burned: number }; hash: string };
    expect(typeof snap.hash).toBe('string');
    const acct = snap.ledger.accounts.find((a) => a[0] === w.publicKey)!;
    acct[1] += 1_000_000; // mint a million out of nothing
    fs.writeFileSync(snapFile, JSON.stringify(snap));

    nodes[1] = await spawnNode(victim.config);
    expect(logOf(nodes[1])).toMatch(/snapshot refused: rebuilding state from the block log.*state\.json does not match its hash.*altered/);
    const supply = await nodes[1].client.supply();
    expect(supply.total).toBe(supply.genesis - supply.burned);
    expect(await nodes[1].client.account(w.publicKey)).toEqual(await nodes[0]!.client.account(w.publicKey));
  });
});
