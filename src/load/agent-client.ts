/**
 * The coordinator's side of load agents: connects to each, checks the protocol version, measures the agent's
 * clock offset (the probe with the shortest round trip: offset = agent time − the probe's midpoint, uncertainty
 * ± half that round trip), hands it its shards and gives the engine one ShardLink per shard. Times cross the
 * link converted: `go`'s t0 into the agent's clock, reports' times back into the coordinator's, so latency from
 * the intended send time is measured on one clock. The offset is measured again every CLOCK_PROBE_MS through
 * the session: the estimate in use is the latest of the last CLOCK_WINDOW probes whose round trip is near the
 * window's shortest (bestClock), so it follows a drifting or stepped clock while a probe delayed behind reports
 * on a busy link does not move it. An agent silent for AGENT_SILENCE_MS, or whose connection
 * drops before its shards finished, is lost: its shards' `done` rejects with AgentLostError.
 */
import { connect, type Socket } from 'node:net';
import { LoadnetError } from '../errors.js';
import type { ChainSpec } from '../scenario/spec.js';
import { nowMs } from '../util/clock.js';
import { AGENT_PROTOCOL_VERSION, AGENT_SILENCE_MS, fromWire, parseAgentAddress, readLines, send, type AgentShardInit, type FromAgent } from './agent-protocol.js';
import type { CoordinatorMessage, ShardInit, WorkerMessage, WorkerResult } from './protocol.js';
import type { ShardHost, ShardLink } from './shard-link.js';

export class AgentLostError extends LoadnetError {
  constructor(
    readonly agent: string,
    readonly reason: string,
  ) {
    super('LN_ERR_WORKLOAD', `load agent ${agent} lost: ${reason}`);
  }
}

export interface AgentClock {
  /** Agent clock − coordinator clock (ms), and the uncertainty of that figure (± ms). */
  offsetMs: number;
  uncertaintyMs: number;
  /** Round trip of the best probe. */
  rttMs: number;
}

export interface AgentInfo extends AgentClock {
  /** The address the coordinator connected to (host:port). */
  address: string;
  /** The agent's own hostname and process id, and its cores. */
  host: string;
  pid: number;
  cores: number;
  /** The engine's shards (worker indexes) it runs. */
  shards: number[];
}

const PROBES = 8;
const CONNECT_TIMEOUT_MS = 5000;
/** Through a session: one clock probe this often, the estimate from the best of the last CLOCK_WINDOW. */
export const CLOCK_PROBE_MS = 2000;
const CLOCK_WINDOW = 5;

/** One clock measurement during a session, and the estimate in use after it. */
export interface AgentClockSample extends AgentClock {
  address: string;
  /** Coordinator time of the probe's answer. */
  atMs: number;
  /** This probe's own offset and round trip (the estimate above may come from an earlier, faster one). */
  sampleOffsetMs: number;
  sampleRttMs: number;
}

/**
 * The estimate from a window of probes (oldest first): the most recent one whose round trip is within twice the
 * window's shortest plus 1 ms. A probe that queued behind reports (long round trip, wide uncertainty) is passed
 * over; a clock that drifted or stepped is followed within one probe.
 */
export function bestClock(samples: readonly AgentClock[]): AgentClock {
  const fastest = Math.min(...samples.map((s) => s.rttMs));
  for (let i = samples.length - 1; i >= 0; i--) if (samples[i]!.rttMs <= 2 * fastest + 1) return samples[i]!;
  return samples[samples.length - 1]!;
}

class AgentConnection {
  private socket?: Socket;
  private lastHeard = nowMs();
  private readonly handlers = new Map<number, (m: WorkerMessage) => void>();
  private readonly results = new Map<number, { resolve: (r: WorkerResult) => void; reject: (e: Error) => void }>();
  private pending: Array<(m: FromAgent) => boolean> = [];
  private watchdog?: NodeJS.Timeout;
  private clockTimer?: NodeJS.Timeout;
  private probeId = PROBES;
  private readonly probesSent = new Map<number, number>();
  private recentClocks: AgentClock[] = [];
  private lostReason?: string;
  info!: AgentInfo;

  constructor(
    readonly address: string,
    private readonly onClock?: (sample: AgentClockSample) => void,
  ) {}

  async open(): Promise<AgentInfo> {
    const hello = await this.hello();
    const clock = await this.measureClock();
    this.info = { address: this.address, host: hello.host, pid: hello.pid, cores: hello.cores, shards: [], ...clock };
    this.recentClocks = [clock];
    this.clockTimer = setInterval(() => {
      const id = this.probeId++;
      this.probesSent.set(id, nowMs());
      send(this.socket!, { type: 'probe', id });
    }, CLOCK_PROBE_MS);
    this.clockTimer.unref();
    this.watchdog = setInterval(() => {
      if (nowMs() - this.lastHeard > AGENT_SILENCE_MS) this.lose(`silent for ${Math.round(nowMs() - this.lastHeard)} ms`);
    }, 250);
    this.watchdog.unref();
    return this.info;
  }

  /** Connects and shakes hands: the agent's identity, in this protocol version. */
  async hello(): Promise<{ host: string; pid: number; cores: number }> {
    const { host, port } = parseAgentAddress(this.address);
    const socket = await new Promise<Socket>((res, rej) => {
      const s = connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        rej(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        res(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        rej(e);
      });
    }).catch((e: Error) => {
      throw new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address}: cannot connect: ${e.message}`, { hint: `start one there with \`loadnet agent --listen ${this.address}\`` });
    });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => this.lose('connection closed'));
    readLines<FromAgent>(socket, (m) => this.onMessage(m), (reason) => this.lose(`sent ${reason}`));
    send(socket, { type: 'hello', version: AGENT_PROTOCOL_VERSION });
    const hello = await this.next('hello');
    if (hello.type !== 'hello') throw new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address}: ${hello.type === 'error' ? hello.message : 'no handshake'}`);
    // An agent of protocol 1 answered with `agent` instead of host and pid; the version check below names both.
    if (hello.version !== AGENT_PROTOCOL_VERSION) {
      throw new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address} speaks protocol ${hello.version}, this coordinator ${AGENT_PROTOCOL_VERSION}: run the same loadnet version on both hosts`);
    }
    return { host: hello.host, pid: hello.pid, cores: hello.cores };
  }

  private async measureClock(): Promise<AgentClock> {
    let best: AgentClock | undefined;
    for (let id = 0; id < PROBES; id++) {
      const sentAt = nowMs();
      send(this.socket!, { type: 'probe', id });
      const answer = await this.next('probe');
      const back = nowMs();
      if (answer.type !== 'probe') throw new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address}: ${answer.type === 'error' ? answer.message : 'no clock probe answer'}`);
      const rttMs = back - sentAt;
      if (!best || rttMs < best.rttMs) best = { offsetMs: answer.agentMs - (sentAt + rttMs / 2), uncertaintyMs: rttMs / 2, rttMs };
    }
    return best!;
  }

  /** The next message of this type (or an error). */
  private next(type: FromAgent['type']): Promise<FromAgent> {
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address}: no '${type}' within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      const waiter = (m: FromAgent) => {
        if (m.type !== type && m.type !== 'error') return false;
        clearTimeout(timer);
        res(m);
        return true;
      };
      this.pending.push(waiter);
    });
  }

  private onMessage(m: FromAgent): void {
    this.lastHeard = nowMs();
    const waiters = this.pending;
    for (let i = 0; i < waiters.length; i++) {
      if (waiters[i]!(m)) {
        waiters.splice(i, 1);
        return;
      }
    }
    if (m.type === 'probe') this.onProbe(m.id, m.agentMs);
    else if (m.type === 'shard') this.handlers.get(m.workerIndex)?.(this.toCoordinatorClock(fromWire(m.message)));
    else if (m.type === 'result') {
      const r = this.results.get(m.workerIndex);
      this.results.delete(m.workerIndex);
      if (m.error !== undefined) r?.reject(new LoadnetError('LN_ERR_WORKLOAD', `load agent ${this.address}, worker ${m.workerIndex}: ${m.error}`));
      else r?.resolve({ workerIndex: m.workerIndex, sent: m.sent ?? 0 });
      if (this.results.size === 0) this.close();
    } else if (m.type === 'error') this.lose(`it said: ${m.message}`);
  }

  /** A probe of the session answered: a new sample, and the estimate in use from the window's best. */
  private onProbe(id: number, agentMs: number): void {
    const sentAt = this.probesSent.get(id);
    if (sentAt === undefined) return;
    this.probesSent.delete(id);
    const back = nowMs();
    const rttMs = back - sentAt;
    const sample: AgentClock = { offsetMs: agentMs - (sentAt + rttMs / 2), uncertaintyMs: rttMs / 2, rttMs };
    this.recentClocks = [...this.recentClocks, sample].slice(-CLOCK_WINDOW);
    const best = bestClock(this.recentClocks);
    this.info.offsetMs = best.offsetMs;
    this.info.uncertaintyMs = best.uncertaintyMs;
    this.info.rttMs = best.rttMs;
    this.onClock?.({ address: this.address, atMs: back, ...best, sampleOffsetMs: sample.offsetMs, sampleRttMs: rttMs });
  }

  private toCoordinatorClock(m: WorkerMessage): WorkerMessage {
    if (m.type !== 'report') return m;
    const off = this.info.offsetMs;
    const intended = m.acceptedIntended;
    for (let i = 0; i < intended.length; i++) intended[i] = intended[i]! - off;
    return { ...m, atMs: m.atMs - off };
  }

  private toAgentClock(m: CoordinatorMessage): CoordinatorMessage {
    return m.type === 'go' ? { type: 'go', t0: m.t0 + this.info.offsetMs } : m;
  }

  start(chain: ChainSpec, inits: readonly ShardInit[]): ShardLink[] {
    const shards: AgentShardInit[] = inits.map(({ txFactory: _f, recordsDir: _r, ...rest }) => rest);
    send(this.socket!, { type: 'start', chain, shards });
    return inits.map((init) => {
      const done = new Promise<WorkerResult>((resolve, reject) => this.results.set(init.workerIndex, { resolve, reject }));
      done.catch(() => undefined);
      if (this.lostReason) this.failAll();
      return {
        workerIndex: init.workerIndex,
        host: `agent ${this.address}`,
        onMessage: (handler) => void this.handlers.set(init.workerIndex, handler),
        post: (message) => void send(this.socket!, { type: 'shard', workerIndex: init.workerIndex, message: this.toAgentClock(message) }),
        done,
        close: () => undefined,
      };
    });
  }

  private lose(reason: string): void {
    if (this.lostReason || this.results.size === 0) {
      this.lostReason ??= reason;
      return;
    }
    this.lostReason = reason;
    this.failAll();
    this.socket?.destroy();
  }

  private failAll(): void {
    for (const [, r] of this.results) r.reject(new AgentLostError(this.address, this.lostReason ?? 'lost'));
    this.results.clear();
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.lostReason ??= 'closed by the coordinator';
    if (this.socket && !this.socket.destroyed) {
      send(this.socket, { type: 'end' });
      this.socket.end();
    }
  }
}

/**
 * Before anything is deployed: every agent answers the handshake in this protocol version (checked in parallel,
 * each connection closed again before any shard). Fails naming each agent that does not, and why.
 */
export async function checkAgents(addresses: readonly string[]): Promise<Array<{ address: string; host: string; pid: number; cores: number }>> {
  const answers = await Promise.allSettled(
    addresses.map(async (address) => {
      const c = new AgentConnection(address);
      try {
        return { address, ...(await c.hello()) };
      } finally {
        c.close();
      }
    }),
  );
  const failed = answers.flatMap((a) => (a.status === 'rejected' ? [(a.reason as Error).message] : []));
  if (failed.length > 0) {
    throw new LoadnetError('LN_ERR_WORKLOAD', `load agents not ready, nothing deployed: ${failed.join('; ')}`, { hint: 'start each with `loadnet agent --listen <host:port>` (the same loadnet version as here), or change the scenario\'s agents / --agent' });
  }
  return answers.map((a) => (a as PromiseFulfilledResult<{ address: string; host: string; pid: number; cores: number }>).value);
}

/**
 * Connects to every agent (in parallel) and starts the shards on them, round-robin: shard i on agent i mod n.
 * `onConnected` hears each agent's identity and clock before any shard starts. With `onUnreachable`, an agent
 * that cannot be reached (nothing was sent to it yet) is left out and its share goes to the others; without it,
 * or when none answers, the first failure is thrown.
 */
export interface AgentShardsHooks {
  onConnected?: (info: AgentInfo) => void;
  onUnreachable?: (address: string, reason: string) => void;
  /** Each clock probe through the session (every CLOCK_PROBE_MS per agent). */
  onClock?: (sample: AgentClockSample) => void;
}

export async function agentShards(addresses: readonly string[], chain: ChainSpec, inits: readonly ShardInit[], hooks: AgentShardsHooks = {}): Promise<ShardHost & { agents: AgentInfo[] }> {
  const { onConnected, onUnreachable } = hooks;
  const all = addresses.map((a) => new AgentConnection(a, hooks.onClock));
  const opened = await Promise.allSettled(all.map((c) => c.open()));
  const failures = opened.flatMap((o, i) => (o.status === 'rejected' ? [{ address: all[i]!.address, error: o.reason as Error }] : []));
  const conns = all.filter((_, i) => opened[i]!.status === 'fulfilled');
  if (failures.length > 0 && (!onUnreachable || conns.length === 0)) {
    for (const c of all) c.close();
    throw failures[0]!.error;
  }
  for (const f of failures) onUnreachable?.(f.address, f.error.message);
  const byAgent = conns.map((c, a) => ({ c, inits: inits.filter((_, i) => i % conns.length === a) }));
  for (const { c, inits: mine } of byAgent) {
    c.info.shards = mine.map((i) => i.workerIndex);
    onConnected?.(c.info);
  }
  const links = byAgent.flatMap(({ c, inits: mine }) => (mine.length ? c.start(chain, mine) : []));
  const order = new Map(inits.map((init, i) => [init.workerIndex, i]));
  links.sort((a, b) => order.get(a.workerIndex)! - order.get(b.workerIndex)!);
  return {
    links,
    agents: conns.map((c) => c.info),
    destroy: async () => {
      for (const c of conns) c.close();
    },
  };
}
