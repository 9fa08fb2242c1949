/**
 * The overload shed (defense `http-overload-shed`): its policy on a fake clock (who is held, to what rate, and
 * when let go), and on a real socket: while a flooder overloads the server's event loop, the
 * flooder is answered 429 by the shed and another client is not; a flooder alone is never shed (its config checks:
 * node-config.test.ts).
 */
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { PipelinedConnection, serializeRequest } from '../../src/adversary/http-pipeline.js';
import { startHttpServer } from '../../src/node/http-server.js';
import { OverloadShed, SHED_WINDOW_MS, waterLevel } from '../../src/node/overload-shed.js';

/** Send `n` requests of `client` at `t`; how many were admitted. */
const send = (shed: OverloadShed, client: string, n: number, t: number) => {
  let ok = 0;
  for (let i = 0; i < n; i++) if (shed.admit(client, t)) ok++;
  return ok;
};

describe('overload shed policy', () => {
  it('water level: the costs cut to it sum to the target; the light keep all of theirs', () => {
    expect(waterLevel([10, 100], 55)).toBe(45);
    expect(waterLevel([100, 10, 30], 70)).toBe(30);
    expect(waterLevel([5, 2], 3.5)).toBe(1.75);
    expect(waterLevel([10, 100], 110)).toBe(100);
    expect(waterLevel([10, 100], 120)).toBe(Infinity);
  });

  it('overloaded with two clients: the heavy one is held to a rate halved each overloaded window down to the floor, the light one never; with the loop well under the delay its rate grows, and it is let go when its flood ends', () => {
    const shed = new OverloadShed(100, 200, 0);
    let t = 0;
    const window = (heavy: number, light: number, delayMs: number) => {
      const admitted = { heavy: 0, light: 0 };
      // Spread over the window, as a flood arrives.
      for (let k = 1; k <= 10; k++) {
        admitted.heavy += send(shed, '127.0.0.3', heavy / 10, t + (k * SHED_WINDOW_MS) / 10);
        admitted.light += send(shed, '127.0.0.2', light / 10, t + (k * SHED_WINDOW_MS) / 10);
      }
      t += SHED_WINDOW_MS;
      shed.tick(t, delayMs);
      return admitted;
    };
    // Not overloaded: nobody held, everything admitted.
    expect(window(2500, 10, 20)).toEqual({ heavy: 2500, light: 10 });
    expect(shed.stats.clientsHeld).toBe(0);
    // Overloaded (10,000/s and 40/s): the level at half of the total is 10,040 / 2 - 40 = 4,980/s.
    expect(window(2500, 10, 500)).toEqual({ heavy: 2500, light: 10 });
    expect(shed.stats).toMatchObject({ clientsHeld: 1, overloadedWindows: 1, shed: 0 });
    const held1 = window(2500, 10, 500);
    expect(held1.light).toBe(10);
    expect(held1.heavy).toBeGreaterThanOrEqual(Math.floor((4980 * SHED_WINDOW_MS) / 1000) - 1);
    expect(held1.heavy).toBeLessThanOrEqual(Math.ceil((4980 * SHED_WINDOW_MS) / 1000) + 1);
    expect(shed.stats.shed).toBe(2500 - held1.heavy);
    // Each overloaded window halves it (about), until the floor of 200/s (50 per window).
    const admittedHeavy: number[] = [];
    for (let i = 0; i < 8; i++) admittedHeavy.push(window(2500, 10, 500).heavy);
    expect(admittedHeavy[0]!).toBeLessThan(held1.heavy * 0.6);
    for (let i = 1; i < 3; i++) expect(admittedHeavy[i]!).toBeLessThan(admittedHeavy[i - 1]! * 0.6);
    expect(admittedHeavy.at(-1)).toBe(50);
    expect(admittedHeavy.at(-2)).toBe(50);
    // The loop runs late but under the overload delay (70 ms of 100): its rate is kept.
    expect([window(2500, 10, 70).heavy, window(2500, 10, 70).heavy]).toEqual([50, 50]);
    // Under half the delay: its rate grows by a tenth per window (200/s, 220/s, 242/s).
    const growing = [window(2500, 10, 20).heavy, window(2500, 10, 20).heavy, window(2500, 10, 20).heavy];
    // (a request is admitted while the window's spend is under rate × elapsed: 55.00…01 admits 56)
    expect(growing[0]).toBe(50);
    expect(growing[1]).toBeGreaterThanOrEqual(55);
    expect(growing[1]).toBeLessThanOrEqual(56);
    expect(growing[2]).toBeGreaterThanOrEqual(60);
    expect(growing[2]).toBeLessThanOrEqual(61);
    // Its flood ends (it uses less than half its rate): let go; its next flood is admitted whole.
    window(10, 10, 20);
    expect(shed.stats.clientsHeld).toBe(0);
    expect(window(2500, 10, 20).heavy).toBe(2500);
  });

  it('a lone client is never held, however overloaded; a held client left alone is let go', () => {
    const shed = new OverloadShed(100, 200, 0);
    for (let w = 1; w <= 4; w++) {
      expect(send(shed, '127.0.0.1', 5000, w * SHED_WINDOW_MS - 1)).toBe(5000);
      shed.tick(w * SHED_WINDOW_MS, 2000);
    }
    expect(shed.stats).toMatchObject({ clientsHeld: 0, shed: 0, overloadedWindows: 4 });
    // Another client: the flooder is held; then the other is gone (nothing sent, nothing in flight).
    send(shed, '127.0.0.1', 5000, 5 * SHED_WINDOW_MS - 1);
    send(shed, '127.0.0.2', 1, 5 * SHED_WINDOW_MS - 1);
    shed.answered('127.0.0.2');
    shed.tick(5 * SHED_WINDOW_MS, 2000);
    expect(shed.stats.clientsHeld).toBe(1);
    expect(send(shed, '127.0.0.1', 5000, 6 * SHED_WINDOW_MS - 1)).toBeLessThan(5000);
    shed.tick(6 * SHED_WINDOW_MS, 2000);
    expect(shed.stats.clientsHeld).toBe(0);
    expect(send(shed, '127.0.0.1', 5000, 7 * SHED_WINDOW_MS - 1)).toBe(5000);
  });

  it('a client waiting on an answer is active; what a handler charges counts as cost; clients under the floor are not held', () => {
    const shed = new OverloadShed(100, 200, 0);
    // 127.0.0.2 sent its one request in an earlier window and still waits for it.
    send(shed, '127.0.0.2', 1, 10);
    shed.tick(SHED_WINDOW_MS, 20);
    // 127.0.0.3 sends 10 requests, each charged 100 more (4,040/s): over its fair share, held.
    for (let i = 0; i < 10; i++) {
      shed.admit('127.0.0.3', SHED_WINDOW_MS + 10);
      shed.spend('127.0.0.3', 100);
    }
    shed.tick(2 * SHED_WINDOW_MS, 500);
    expect(shed.stats.clientsHeld).toBe(1);
    expect(shed.admit('127.0.0.2', 2 * SHED_WINDOW_MS + 1)).toBe(true);
    // Two light clients (40/s and 8/s) of an overloaded node: neither is held.
    const calm = new OverloadShed(100, 200, 0);
    send(calm, 'a', 10, 100);
    send(calm, 'b', 2, 100);
    calm.tick(SHED_WINDOW_MS, 900);
    expect(calm.stats.clientsHeld).toBe(0);
  });
});

describe('overload shed on a real socket', () => {
  it('a flooder overloading the event loop is answered 429 by the shed and another client is not; a flooder alone is never shed; off, never', async () => {
    // Each request holds the event loop 1 ms; the flooder (127.0.0.3) keeps 8 sockets × 16 pipelined full, so a
    // turn that reads them all lasts ~128 ms.
    const busy = () => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      return { json: 1 };
    };
    const run = async (overloadDelayMs: number, withControl: boolean) => {
      const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [{ method: 'GET', path: '/x', handler: busy }], limits: { overloadDelayMs, requestsPerSec: 0 } });
      const r = serializeRequest('GET', '/x', 'h');
      let stop = false;
      const flood = { ok: 0, shed: 0 };
      const conns: PipelinedConnection[] = [];
      for (let i = 0; i < 8; i++) {
        const conn: PipelinedConnection = new PipelinedConnection(
          server.port,
          '127.0.0.1',
          {
            answer: (status: number) => {
              if (status === 429) flood.shed++;
              else flood.ok++;
              if (!stop) conn.send([r], performance.now());
            },
            lost: () => {},
          },
          '127.0.0.3',
        );
        conn.send(Array.from({ length: 16 }, () => r), performance.now());
        conns.push(conn);
      }
      const control: number[] = [];
      const controlMs: number[] = [];
      const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 1, localAddress: '127.0.0.2' });
      try {
        if (withControl) {
          for (let i = 0; i < 12; i++) {
            const t0 = performance.now();
            const res = await pool.request({ method: 'GET', path: '/x' });
            control.push(res.statusCode);
            await res.body.dump();
            controlMs.push(performance.now() - t0);
            await new Promise((ok) => setTimeout(ok, 50));
          }
        } else await new Promise((ok) => setTimeout(ok, 1500));
      } finally {
        stop = true;
        for (const c of conns) c.destroy();
        await pool.close();
        await server.close();
      }
      controlMs.sort((a, b) => a - b);
      return { flood, control, median: controlMs[controlMs.length >> 1] ?? NaN, stats: server.stats };
    };
    const on = await run(50, true);
    console.log(`shed on: flood ${JSON.stringify(on.flood)}, ${on.stats.overloadedWindows} overloaded windows; control ${on.control.join(',')}, median ${on.median.toFixed(1)} ms`);
    expect(on.stats.overloadedWindows).toBeGreaterThan(0);
    expect(on.stats.shed).toBeGreaterThan(0);
    expect(on.flood.shed).toBeGreaterThan(0);
    expect(on.control.every((s) => s === 200)).toBe(true);
    const alone = await run(50, false);
    console.log(`shed on, flooder alone: flood ${JSON.stringify(alone.flood)}, ${alone.stats.overloadedWindows} overloaded windows`);
    expect(alone.stats.overloadedWindows).toBeGreaterThan(0);
    expect(alone.stats.shed).toBe(0);
    expect(alone.flood.ok).toBeGreaterThan(0);
    const off = await run(0, true);
    expect(off.stats.shed).toBe(0);
    expect(off.stats.overloadedWindows).toBe(0);
    expect(off.flood.shed).toBe(0);
    console.log(`shed off: control median ${off.median.toFixed(1)} ms`);
    expect(on.median, `control median ${on.median.toFixed(1)} ms with the shed, ${off.median.toFixed(1)} ms without`).toBeLessThan(off.median / 2);
  }, 30_000);
});
