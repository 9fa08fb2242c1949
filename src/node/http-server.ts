/**
 * A small JSON HTTP server over node:http (fewest µs per request; no framework): exact and prefix
 * routes, size-bounded bodies, 4xx JSON {error} for bad input, and no handler error can take the
 * process down. Used for the node API and the testing API.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The part of the path after a prefix route. */
  rest: string;
  body: Buffer;
  contentType: string;
}

export interface HttpReply {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Match any path starting with `path`. */
  prefix?: boolean;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBody?: number;
  handler(req: HttpRequest): HttpReply | Promise<HttpReply>;
}

export interface HttpServerHandle {
  port: number;
  host: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Route[];
  onTimed?: (route: string, status: number, seconds: number) => void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

function send(res: http.ServerResponse, reply: HttpReply): number {
  const status = reply.status ?? 200;
  if (res.headersSent || res.destroyed) return status;
  const body = reply.text ?? JSON.stringify(reply.json ?? null);
  res.writeHead(status, { 'content-type': reply.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

export function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const exact = new Map<string, Route>();
  const prefixes: Route[] = [];
  for (const r of opts.routes) {
    if (r.prefix) prefixes.push(r);
    else exact.set(`${r.method} ${r.path}`, r);
  }
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const t0 = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    let route = exact.get(`${method} ${path}`);
    let rest = '';
    if (!route) {
      route = prefixes.find((r) => r.method === method && path.startsWith(r.path));
      if (route) rest = path.slice(route.path.length);
    }
    const finish = (reply: HttpReply) => {
      const status = send(res, reply);
      opts.onTimed?.(route ? route.path : 'unknown', status, (performance.now() - t0) / 1000);
    };
    if (!route) {
      const known = opts.routes.some((r) => (r.prefix ? path.startsWith(r.path) : r.path === path));
      req.resume();
      finish({ status: known ? 405 : 404, json: { error: known ? `method ${method} not allowed on ${path}` : `no such endpoint: ${method} ${path}` } });
      return;
    }
    const max = route.maxBody ?? DEFAULT_MAX_BODY;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      finish({ status: 413, json: { error: `body of ${declared} bytes is over the limit of ${max} bytes for ${path}` } });
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > max) {
        aborted = true;
        finish({ status: 413, json: { error: `body over the limit of ${max} bytes for ${path}` } });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      aborted = true;
    });
    req.on('end', () => {
      if (aborted) return;
      const r = route!;
      const request: HttpRequest = {
        method,
        path,
        rest,
        query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        contentType: String(req.headers['content-type'] ?? ''),
      };
      try {
        const out = r.handler(request);
        if (out instanceof Promise) out.then(finish, (e) => finish(errorReply(e)));
        else finish(out);
      } catch (e) {
        finish(errorReply(e));
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"malformed HTTP request"}');
    else socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        port: addr.port,
        host: opts.host,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function errorReply(e: unknown): HttpReply {
  if (e instanceof HttpError) return { status: e.status, json: { error: e.message } };
  const code = (e as { code?: string })?.code;
  if (code === 'LN_ERR_CODEC') return { status: 400, json: { error: (e as Error).message } };
  return { status: 500, json: { error: `internal error: ${(e as Error)?.message ?? String(e)}` } };
}

/** Parse a JSON body or throw a 400 naming the problem. */
export function jsonBody(req: HttpRequest): unknown {
  if (req.body.length === 0) throw new HttpError(400, 'empty body; expected JSON');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON: ${(e as Error).message}`);
  }
}
