/**
 * A raw keep-alive HTTP/1.1 connection for floods: requests are pre-serialized bytes written back to back
 * (pipelining), answers are counted from their status lines and skipped by Content-Length or chunked framing,
 * without objects per request (no request/response objects, headers maps or promises). What a flood needs and
 * nothing more: a status per request in order, the request's send time, and a count of what was lost when the
 * connection died. Not a general client: the body is never delivered.
 */
import { connect, type Socket } from 'node:net';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = Buffer.from('content-length:');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding:');
const CONNECTION = Buffer.from('connection:');
const CHUNKED = Buffer.from('chunked');
const CLOSE = Buffer.from('close');
const CRLF = Buffer.from('\r\n');

/** Serialize one request once; the returned bytes are written as they are for every copy. */
export function serializeRequest(method: string, path: string, host: string, body?: Uint8Array | string, contentType?: string): Buffer {
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  if (payload) head += `content-type: ${contentType ?? 'application/octet-stream'}\r\ncontent-length: ${payload.length}\r\n`;
  head += '\r\n';
  return payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
}

/** Does the header line at `at` start with `name` (lower case, with the colon), in any case? */
function isHeader(buf: Buffer, at: number, end: number, name: Buffer): boolean {
  if (at + name.length > end) return false;
  for (let i = 0; i < name.length; i++) {
    // ASCII letters differ from their capitals by bit 0x20 only; the other bytes of the names have it set.
    if ((buf[at + i]! | 0x20) !== name[i]) return false;
  }
  return true;
}

export interface PipelineEvents {
  /** One answer, in request order. */
  answer(status: number): void;
  /** The connection ended with `unanswered` requests still pending (`error` says why, null for a clean close). */
  lost(unanswered: number, error: Error | null): void;
}

/** Body framing of the answer being read. */
const enum Body {
  Headers,
  Length,
  Chunked,
  UntilClose,
}

export class PipelinedConnection {
  private readonly socket: Socket;
  /** Send times of the requests not yet answered, oldest first (a ring over a growable array). */
  private sentAt: number[] = [];
  private head = 0;
  private pending: Buffer = Buffer.alloc(0);
  private state = Body.Headers;
  private remaining = 0;
  private closeAfter = false;
  private ended = false;
  connected = false;

  constructor(port: number, host: string, private readonly events: PipelineEvents, localAddress?: string) {
    this.socket = connect({ port, host, ...(localAddress ? { localAddress } : {}), noDelay: true });
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('data', (d: Buffer) => this.read(d));
    this.socket.on('error', (e) => this.finish(e));
    this.socket.on('close', () => this.finish(null));
  }

  /** Requests written and not answered. */
  get inflight(): number {
    return this.sentAt.length - this.head;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** The send time of the oldest unanswered request (Infinity when none). */
  oldestSentAt(): number {
    return this.head < this.sentAt.length ? this.sentAt[this.head]! : Infinity;
  }

  /** Write requests in one go (one buffer, one write: a per-request write costs more than the copy). */
  send(requests: Buffer[], now: number): void {
    if (this.ended) return;
    this.socket.write(requests.length === 1 ? requests[0]! : Buffer.concat(requests));
    for (let i = 0; i < requests.length; i++) this.sentAt.push(now);
  }

  /** Close now; whatever is pending is reported lost with `error`. */
  destroy(error: Error | null = null): void {
    this.finish(error);
    this.socket.destroy();
  }

  private finish(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    // A body read until close is complete when the server closes cleanly.
    if (this.state === Body.UntilClose && error === null) this.answered();
    const lost = this.inflight;
    this.sentAt = [];
    this.head = 0;
    this.events.lost(lost, error);
  }

  private status = 0;

  private answered(): void {
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.sentAt.length) {
      this.sentAt = this.sentAt.slice(this.head);
      this.head = 0;
    }
    this.events.answer(this.status);
    this.state = Body.Headers;
    if (this.closeAfter) this.destroy(null);
  }

  private read(d: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, d]) : d;
    let at = 0;
    while (at < buf.length && !this.ended) {
      if (this.state === Body.Headers) {
        const end = buf.indexOf(CRLFCRLF, at);
        if (end < 0) break;
        // "HTTP/1.1 429 ..." : the status is the three digits after the first space.
        const sp = buf.indexOf(32, at);
        this.status = sp < 0 || sp > end ? 0 : (buf[sp + 1]! - 48) * 100 + (buf[sp + 2]! - 48) * 10 + (buf[sp + 3]! - 48);
        const bodyAt = end + 4;
        let len = -1;
        let chunked = false;
        this.closeAfter = false;
        for (let line = buf.indexOf(CRLF, at) + 2; line > 1 && line < end; line = buf.indexOf(CRLF, line) + 2) {
          const c = buf[line]! | 0x20;
          if (c === 99 /* c */) {
            if (isHeader(buf, line, end, CONTENT_LENGTH)) len = line + CONTENT_LENGTH.length;
            else if (isHeader(buf, line, end, CONNECTION)) {
              const eol = buf.indexOf(CRLF, line);
              const v = buf.indexOf(CLOSE, line);
              this.closeAfter = v >= 0 && v < eol;
            }
          } else if (c === 116 /* t */ && isHeader(buf, line, end, TRANSFER_ENCODING)) {
            const eol = buf.indexOf(CRLF, line);
            const v = buf.indexOf(CHUNKED, line);
            chunked = v >= 0 && v < eol;
          }
        }
        at = bodyAt;
        if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) {
          // No body whatever the headers say (RFC 9112 6.3).
          this.remaining = 0;
          this.state = Body.Length;
        } else if (len >= 0) {
          let n = 0;
          let i = len;
          while (buf[i] === 32) i++;
          for (; i < end; i++) {
            const c = buf[i]!;
            if (c < 48 || c > 57) break;
            n = n * 10 + c - 48;
          }
          this.remaining = n;
          this.state = Body.Length;
        } else if (chunked) {
          this.state = Body.Chunked;
        } else {
          this.state = Body.UntilClose;
        }
      }
      if (this.state === Body.Length) {
        const take = Math.min(this.remaining, buf.length - at);
        this.remaining -= take;
        at += take;
        if (this.remaining > 0) break;
        this.answered();
      } else if (this.state === Body.Chunked) {
        // Each chunk: size in hex, CRLF, data, CRLF; a zero size then CRLF ends the body (no trailers sent by Node).
        if (this.remaining > 0) {
          const take = Math.min(this.remaining, buf.length - at);
          this.remaining -= take;
          at += take;
          if (this.remaining > 0) break;
          continue;
        }
        const eol = buf.indexOf(CRLF, at);
        if (eol < 0) break;
        const size = parseInt(buf.toString('latin1', at, eol), 16);
        if (size === 0) {
          // The last chunk's line and the empty line after it must both be here.
          if (buf.length - (eol + 2) < 2) break;
          at = eol + 4;
          this.answered();
        } else {
          at = eol + 2;
          this.remaining = size + 2;
        }
      } else if (this.state === Body.UntilClose) {
        at = buf.length;
      }
    }
    buf = at >= buf.length ? Buffer.alloc(0) : buf.subarray(at);
    this.pending = buf.length > 0 ? Buffer.from(buf) : buf;
  }
}
