/**
 * The block log: records survive a reopen, every kind of torn tail (half a header, half a payload, a
 * bad checksum) is detected and truncated, keeping every record before it; a damaged record in the
 * middle stops the open with the file and offset (or, under 'resync', is cut with a copy kept).
 * Snapshots carry a hash of their content.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockLog, readSnapshot, writeSnapshot } from '../../src/node/storage.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-node-storage-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function writeRecords(dir: string, n: number): number {
  const log = new BlockLog(dir);
  log.open();
  for (let i = 0; i < n; i++) log.append(new Uint8Array(100 + i).fill(i));
  log.close();
  return fs.statSync(path.join(dir, 'blocks.log')).size;
}

describe('block log', () => {
  it('reads back what was appended, after a reopen', () => {
    const dir = tmp();
    const log = new BlockLog(dir);
    expect(log.open()).toEqual({ records: [], truncatedBytes: 0 });
    const ref = log.append(new Uint8Array([1, 2, 3]));
    expect(log.read(ref.offset, ref.length)).toEqual(new Uint8Array([1, 2, 3]));
    log.close();
    writeRecords(dir, 0);
    const again = new BlockLog(dir);
    const { records } = again.open();
    expect(records.map((r) => [...r.payload])).toEqual([[1, 2, 3]]);
    again.close();
  });

  const tails: Array<[string, (file: string, clean: number) => void, number]> = [
    ['half a record header', (f) => fs.appendFileSync(f, Buffer.from([9, 0, 0])), 3],
    ['a header promising more than was written', (f) => fs.appendFileSync(f, Buffer.concat([Buffer.from([0, 1, 0, 0, 1, 2, 3, 4]), Buffer.alloc(10)])), 18],
    ['a payload with a wrong checksum', (f) => fs.appendFileSync(f, Buffer.concat([Buffer.from([4, 0, 0, 0, 1, 2, 3, 4]), Buffer.from([5, 6, 7, 8])])), 12],
  ];
  for (const [what, damage, extra] of tails) {
    it(`truncates ${what} and keeps every record before it`, () => {
      const dir = tmp();
      const clean = writeRecords(dir, 5);
      const file = path.join(dir, 'blocks.log');
      damage(file, clean);
      const log = new BlockLog(dir);
      const { records, truncatedBytes } = log.open();
      expect(truncatedBytes).toBe(extra);
      expect(records).toHaveLength(5);
      expect(records[4]!.payload).toEqual(new Uint8Array(104).fill(4));
      expect(fs.statSync(file).size).toBe(clean);
      // Appending after the truncation yields a clean log again.
      log.append(new Uint8Array([42]));
      log.close();
      const reopened = new BlockLog(dir);
      expect(reopened.open().records.map((r) => r.payload.length)).toEqual([100, 101, 102, 103, 104, 1]);
      reopened.close();
    });
  }

  const damageRecord1 = (dir: string, what: 'payload' | 'length'): Buffer => {
    const file = path.join(dir, 'blocks.log');
    const buf = fs.readFileSync(file);
    if (what === 'payload') buf[8 + 100 + 8 + 5]! ^= 0xff; // inside record 1's payload
    else buf.writeUInt32LE(0x7fffffff, 8 + 100); // record 1's length now points past the end
    fs.writeFileSync(file, buf);
    return buf;
  };

  for (const what of ['payload', 'length'] as const) {
    it(`a damaged ${what} in a middle record stops the open, naming the file and offset, and changes nothing`, () => {
      const dir = tmp();
      writeRecords(dir, 3);
      const before = damageRecord1(dir, what);
      const log = new BlockLog(dir);
      expect(() => log.open()).toThrow(/blocks\.log: the record at offset 108 is damaged .* a valid record follows at offset 217/);
      expect(fs.readFileSync(path.join(dir, 'blocks.log'))).toEqual(before);
    });
  }

  it("under 'resync' a damaged middle record is cut there, with a copy of the whole log kept", () => {
    const dir = tmp();
    writeRecords(dir, 3);
    const before = damageRecord1(dir, 'payload');
    const log = new BlockLog(dir);
    const out = log.open(undefined, 'resync');
    log.close();
    expect(out.records).toHaveLength(1);
    expect(out.corrupt).toEqual({ offset: 108, droppedBytes: before.length - 108, keptCopy: path.join(dir, 'blocks.log.damaged-at-108') });
    expect(fs.readFileSync(out.corrupt!.keptCopy)).toEqual(before);
  });

  it('snapshots are replaced atomically; a corrupt or altered one is refused with the reason', () => {
    const dir = tmp();
    expect(readSnapshot(dir)).toEqual({ snapshot: null, problem: null });
    writeSnapshot(dir, { version: 1, chainId: 'c', blockId: 'ab', height: 3, ledger: { accounts: [['aa', 1, 2]], channels: [], burned: 4 } });
    const read = readSnapshot(dir);
    expect(read.snapshot?.height).toBe(3);
    expect(fs.existsSync(path.join(dir, 'state.json.tmp'))).toBe(false);
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ ...read.snapshot, ledger: { ...read.snapshot!.ledger, burned: 0 } }));
    expect(readSnapshot(dir)).toMatchObject({ snapshot: null, problem: expect.stringMatching(/state\.json does not match its hash .*altered/) });
    fs.writeFileSync(file, '{"version":1,"bl');
    expect(readSnapshot(dir)).toMatchObject({ snapshot: null, problem: expect.stringMatching(/does not parse/) });
  });
});
