/** The live board (latest figures by section, read by the terminal progress) and the summary sink. */
import type { LiveBoard, SummarySink } from './contracts.js';

export class MemoryLiveBoard implements LiveBoard {
  private readonly sections = new Map<string, Record<string, unknown>>();

  publish(section: string, value: Record<string, unknown>): void {
    this.sections.set(section, value);
  }

  snapshot(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(this.sections);
  }
}

/** Sections other parts add to summary.json; the runtime's own sections (verdict, chain, ...) win. */
export class MemorySummarySink implements SummarySink {
  readonly sections: Record<string, unknown> = {};

  set(section: string, value: unknown): void {
    this.sections[section] = value;
  }
}
