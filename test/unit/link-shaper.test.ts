import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkShaper, checkLinkShape } from '../../src/shaper/link-shaper.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A peer B: records every byte it receives with its arrival time and echoes nothing unless asked. */
async function sink(echo = false): Promise<{ port: number; received: () => Buffer; arrivals: Array<{ at: number; bytes: number }>; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const arrivals: Array<{ at: number; bytes: number }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      arrivals.push({ at: performance.now(), bytes: d.length });
      if (echo) s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    arrivals,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(echo = false) {
  const b = await sink(echo);
  const shaper = new LinkShaper({ seed: 7 });
  cleanups.push(() => b.close(), () => shaper.close());
  const addr = await shaper.addLink('a', 'b', { host: '127.0.0.1', port: b.port });
  return { b, shaper, addr };
}

/** Until `cond` holds or `ms` passed. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await sleep(2);
}

describe('LinkShaper', () => {
  it('passes bytes through unchanged, delays them by the configured delay, keeps order under jitter', async () => {
    const { b, shaper, addr } = await setup();
    const a = await dial(addr.port);
    cleanups.push(() => void a.destroy());
    const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    a.write(payload);
    await until(() => b.received().length >= payload.length);
    expect(b.received().equals(payload)).toBe(true);

    shaper.set('a', 'b', { delayMs: 80 });
    const before = b.arrivals.length;
    const t0 = performance.now();
    a.write('x');
    await until(() => b.arrivals.length > before);
    const took = b.arrivals[b.arrivals.length - 1]!.at - t0;
    expect(took).toBeGreaterThanOrEqual(79);
    expect(took).toBeLessThan(200);

    // Jitter ±60 ms on a 80 ms delay: messages sent 5 ms apart arrive in order, none earlier than 20 ms.
    shaper.set('a', 'b', { delayMs: 80, jitterMs: 60 });
    const start = b.received().length;
    const sentAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      sentAt.push(performance.now());
      a.write(Buffer.from([i]));
      await sleep(5);
    }
    await until(() => b.received().length >= start + 20);
    expect([...b.received().subarray(start)]).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('limits bandwidth with a token bucket and stalls chunks for "loss"', async () => {
    const { b, shaper, addr } = await setup();
    const a = await dial(addr.port);
    cleanups.push(() => void a.destroy());
    shaper.set('a', 'b', { bandwidthBytesPerSec: 400_000, burstBytes: 16_384 });
    const t0 = performance.now();
    a.write(Buffer.alloc(200_000, 1));
    await until(() => b.received().length >= 200_000, 5000);
    const took = performance.now() - t0;
    // (200 000 − 16 384 burst) / 400 000 B/s ≈ 459 ms.
    expect(took).toBeGreaterThanOrEqual(430);
    expect(took).toBeLessThan(1000);

    shaper.set('a', 'b', { loss: 1, lossStallMs: 150 });
    const before = b.received().length;
    const t1 = performance.now();
    a.write('y');
    await until(() => b.received().length > before);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(149);
    expect(shaper.state()).toEqual([{ from: 'a', to: 'b', shape: { loss: 1, lossStallMs: 150 } }]);
  });

  it("shapes each direction of a connection by its own link: the reply path b→a has b→a's delay", async () => {
    const { shaper, addr } = await setup(true);
    const a = await dial(addr.port);
    cleanups.push(() => void a.destroy());
    shaper.set('b', 'a', { delayMs: 100 });
    let got = 0;
    a.on('data', (d: Buffer) => (got += d.length));
    const t0 = performance.now();
    a.write('ping');
    await until(() => got >= 4);
    const rtt = performance.now() - t0;
    expect(rtt).toBeGreaterThanOrEqual(99);
    expect(rtt).toBeLessThan(250);
  });

  it("'drop' resets the connection and refuses new ones until healed; 'hold' keeps bytes until lifted", async () => {
    const { b, shaper, addr } = await setup();
    const a = await dial(addr.port);
    const closed = new Promise<void>((r) => a.once('close', () => r()));
    a.on('error', () => undefined);
    a.write('hello');
    await until(() => b.received().length >= 5);
    shaper.set('a', 'b', { blackhole: 'drop' });
    await closed;
    // A new connection is accepted and reset at once (the dialer sees a reset, not data).
    await new Promise<void>((r) => {
      const refused = net.connect({ host: '127.0.0.1', port: addr.port });
      refused.on('error', () => undefined);
      refused.once('close', () => r());
    });
    expect(shaper.stats().find((s) => s.from === 'a' && s.to === 'b')!.dropped).toBeGreaterThanOrEqual(2);

    shaper.set('a', 'b', {});
    const again = await dial(addr.port);
    cleanups.push(() => void again.destroy());
    shaper.set('a', 'b', { blackhole: 'hold' });
    const before = b.received().length;
    again.write('held');
    await sleep(150);
    expect(b.received().length).toBe(before);
    shaper.set('a', 'b', {});
    await until(() => b.received().length >= before + 4);
    expect(b.received().subarray(before).toString()).toBe('held');
  });

  it('refuses a bad shape naming the field, and leaves no listening port after close()', async () => {
    expect(checkLinkShape({ loss: 2 })).toMatch(/loss: expected a number in \[0, 1\]/);
    const { shaper, addr } = await setup();
    expect(() => shaper.set('a', 'b', { delayMs: -1 })).toThrow(/link a→b: delayMs/);
    const a = await dial(addr.port);
    a.on('error', () => undefined);
    await shaper.close();
    await expect(dial(addr.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
