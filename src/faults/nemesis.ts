/**
 * A nemesis (Jepsen's word): one kind of fault as its own module, with how it is read from a scenario (DSL
 * draft or JSON), checked against the topology, injected and healed. The schedule (at, for, every), the
 * record and the recovered check (every live node on one chain again within a bound after each heal) are
 * shared: faults/fault-workload.ts runs any nemesis. A new kind of fault is a new file in faults/nemeses/.
 */
import type { Issues } from '../scenario/fields.js';
import type { FaultScheduleSpec, NetworkFaultSpec } from '../scenario/spec.js';
import type { NodeControl, RunContext } from '../runtime/contracts.js';
import type { LinkProperty } from './network-state.js';

export type NemesisNeed = LinkProperty | 'clock' | 'joiners' | 'staking';

export type NemesisFields<S extends NetworkFaultSpec> = Omit<S, keyof FaultScheduleSpec | 'type'>;

export interface Nemesis<S extends NetworkFaultSpec = NetworkFaultSpec> {
  readonly type: S['type'];
  /** One line for docs and messages. */
  readonly what: string;
  /** Its own JSON keys (the schedule's are shared). */
  readonly keys: readonly string[];
  /** Read its fields strictly (issues name the field and what is allowed); `names` are the topology's nodes. */
  read(o: Record<string, unknown>, f: string, issues: Issues, names: readonly string[]): NemesisFields<S>;
  /** What the deployment must be able to render: link properties, the clock, joiners, on-chain staking. */
  needs(spec: S): NemesisNeed[];
  /**
   * Put the fault in place; resolves when it holds. Returns what the record should say about it. `names` are the
   * topology's nodes still live; `run` the run's live nodes (descriptors: peer ids).
   */
  inject(control: NodeControl, spec: S, names: readonly string[], label: string, run?: Pick<RunContext, 'nodes'>): Promise<Record<string, unknown>>;
  /** Take it away; resolves when healed. */
  heal(control: NodeControl, spec: S, names: readonly string[], label: string): Promise<void>;
}

/** A node name that must be one of the topology's. */
export function readNode(v: unknown, field: string, issues: Issues, names: readonly string[]): string {
  if (typeof v !== 'string' || (names.length > 0 && !names.includes(v))) {
    issues.add(field, v, `a node of this topology: ${names.join(', ')}`);
    return String(v);
  }
  return v;
}

export function readNodes(v: unknown, field: string, issues: Issues, names: readonly string[], nonEmpty = true): string[] {
  if (!Array.isArray(v) || (nonEmpty && v.length === 0)) {
    issues.add(field, v, `a${nonEmpty ? ' non-empty' : 'n'} array of node names of this topology (${names.join(', ')})`);
    return [];
  }
  return v.map((n, i) => readNode(n, `${field}[${i}]`, issues, names));
}
