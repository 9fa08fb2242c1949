/**
 * SIGINT/SIGTERM during a run. One process-wide handler (installed while any run is active) tells every
 * active run to stop; each tears its nodes down and writes what it measured. A second signal kills what
 * is left synchronously and re-raises the signal with the default behaviour, so a stuck teardown never
 * keeps the user waiting.
 */
type Interruptible = { interrupt(signal: NodeJS.Signals): void; killNow(): void };

const active = new Set<Interruptible>();
let received = 0;

function onSignal(signal: NodeJS.Signals): void {
  received++;
  if (received === 1) {
    for (const a of [...active]) a.interrupt(signal);
    return;
  }
  for (const a of [...active]) {
    try {
      a.killNow();
    } catch {
      /* keep going: kill the rest */
    }
  }
  uninstall();
  process.kill(process.pid, signal);
}

const handler = (signal: NodeJS.Signals) => onSignal(signal);

function install(): void {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function uninstall(): void {
  process.off('SIGINT', handler);
  process.off('SIGTERM', handler);
}

/** Register a run; returns the function that unregisters it. */
export function registerInterruptible(target: Interruptible): () => void {
  if (active.size === 0) {
    received = 0;
    install();
  }
  active.add(target);
  return () => {
    if (!active.delete(target)) return;
    if (active.size === 0) uninstall();
  };
}
