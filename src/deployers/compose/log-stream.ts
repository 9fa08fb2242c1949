/**
 * A container's stdout and stderr, followed into `<runDir>/nodes/<name>/node.log`. The engine ends a
 * follow when the container stops, so the deployer re-follows after every start; lines carry the engine's
 * timestamps, which lets a re-follow skip what was already written (`since` has only second resolution).
 */
import type Docker from 'dockerode';
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';

/** RFC 3339 with the fraction padded to 9 digits, so string order is time order. */
export function fixedWidthStamp(stamp: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(stamp);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : '';
}

export class ContainerLog {
  private readonly out: WriteStream;
  /** RFC 3339 nano timestamp of the last line written; lexical order is time order. */
  private lastStamp = '';
  private current: Readable | undefined;
  private closed = false;
  private catchingUp = false;
  private ended: Promise<void> = Promise.resolve();

  constructor(
    private docker: Docker,
    private containerId: string,
    file: string,
  ) {
    this.out = createWriteStream(file, { flags: 'a' });
    this.out.on('error', () => undefined);
  }

  /** Follow from the last written line on; call after every start of the container. */
  async follow(): Promise<void> {
    if (this.closed) return;
    this.current?.destroy();
    const since = this.lastStamp ? Math.floor(Date.parse(`${this.lastStamp.slice(0, 23)}Z`) / 1000) : 0;
    const raw = (await this.docker.getContainer(this.containerId).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since })) as unknown as Readable;
    if (this.closed) {
      raw.destroy();
      return;
    }
    this.current = raw;
    const merged = new PassThrough();
    this.docker.modem.demuxStream(raw, merged, merged);
    raw.on('end', () => merged.end());
    raw.on('error', () => merged.end());
    let partial = '';
    // Only the start of a re-follow repeats lines; within one follow equal timestamps are distinct lines.
    this.catchingUp = this.lastStamp !== '';
    merged.setEncoding('utf8');
    merged.on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        this.writeLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    });
    this.ended = new Promise((resolve) =>
      merged.on('end', () => {
        if (partial) this.writeLine(partial);
        partial = '';
        resolve();
      }),
    );
  }

  /** The node runs in a new container now (a swarm task replaced): follow that one into the same file. */
  async retarget(docker: Docker, containerId: string): Promise<void> {
    this.docker = docker;
    this.containerId = containerId;
    this.catchingUp = false;
    this.lastStamp = '';
    await this.follow();
  }

  /** Resolves when the current follow ended (the container stopped and its last lines are written). */
  drained(timeoutMs = 2000): Promise<void> {
    return Promise.race([this.ended, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private writeLine(line: string): void {
    const sp = line.indexOf(' ');
    const stamp = sp > 0 ? fixedWidthStamp(line.slice(0, sp)) : '';
    if (this.catchingUp && stamp && stamp <= this.lastStamp) return; // written by an earlier follow
    this.catchingUp = false;
    if (stamp) this.lastStamp = stamp;
    this.out.write(`${sp > 0 ? line.slice(sp + 1) : line}\n`);
  }

  /** Writes a line of loadnet's own (e.g. "container restarted") so the log tells what happened. */
  note(message: string): void {
    if (!this.closed) this.out.write(`[loadnet] ${new Date().toISOString()} ${message}\n`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current?.destroy();
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
