/** `host:port`, `[v6]:port` or a bare port (meaning 127.0.0.1) → its parts; undefined when it is none of these. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[?([^\]]+?)\]?:)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) return undefined;
  return { host: m[1] ?? '127.0.0.1', port };
}

export const HOST_PORT_ALLOWED = 'host:port (e.g. 10.0.0.5:7400) or a port on 127.0.0.1';
