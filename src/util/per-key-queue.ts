/**
 * Runs actions one after another per key, any number of keys at once: node control uses it so a restart and
 * a pause of one node never interleave, while different nodes are acted on in parallel. A failed action does
 * not block the next one for its key.
 */
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, action: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(action, action);
    this.tails.set(key, next.catch(() => undefined));
    return next;
  }
}
