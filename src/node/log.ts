/** The node's log: one JSON object per line on stdout (the deployer redirects it to node.log). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, data?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(node: string, min: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const floor = RANK[min];
  return (level, msg, data) => {
    if (RANK[level] < floor) return;
    write(`${JSON.stringify({ t: Date.now(), level, node, msg, ...data })}\n`);
  };
}
