/**
 * Partitions as Jepsen names them, over the topology's nodes in their order: halves, majority (a minority
 * cut off), isolate (one node alone), ring (each node keeps only its two ring neighbours), bridge (two
 * halves that only one node sees both of), or two explicit groups. Rendered as cut pairs by the
 * deployment's cut applier (iptables, the testing API, the shaper).
 */
import type { PartitionFaultSpec, PartitionShape } from '../../scenario/spec.js';
import { readEnum } from '../../scenario/fields.js';
import { LoadnetError } from '../../errors.js';
import { readNode, readNodes, type Nemesis } from '../nemesis.js';

export const PARTITION_SHAPES: readonly PartitionShape[] = ['halves', 'majority', 'isolate', 'ring', 'bridge', 'groups'];

/** The pairs of nodes a partition cuts, and its sides (for the record). */
export function partitionPairs(spec: Pick<PartitionFaultSpec, 'shape' | 'node' | 'groups'>, names: readonly string[]): { pairs: Array<[string, string]>; sides: string[][] } {
  const across = (a: readonly string[], b: readonly string[]) => a.flatMap((x) => b.map((y) => [x, y] as [string, string]));
  const n = names.length;
  switch (spec.shape) {
    case 'halves': {
      const a = names.slice(0, Math.floor(n / 2));
      const b = names.slice(Math.floor(n / 2));
      return { pairs: across(a, b), sides: [a, b] };
    }
    case 'majority': {
      const minority = names.slice(n - Math.floor((n - 1) / 2));
      const majority = names.filter((x) => !minority.includes(x));
      return { pairs: across(majority, minority), sides: [majority, minority] };
    }
    case 'isolate': {
      const alone = spec.node ?? names[n - 1]!;
      const rest = names.filter((x) => x !== alone);
      return { pairs: across([alone], rest), sides: [[alone], rest] };
    }
    case 'ring': {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (j - i !== 1 && !(i === 0 && j === n - 1)) pairs.push([names[i]!, names[j]!]);
      return { pairs, sides: names.map((x) => [x]) };
    }
    case 'bridge': {
      const bridge = spec.node ?? names[Math.floor(n / 2)]!;
      const rest = names.filter((x) => x !== bridge);
      const a = rest.slice(0, Math.floor(rest.length / 2));
      const b = rest.slice(Math.floor(rest.length / 2));
      return { pairs: across(a, b), sides: [a, [bridge], b] };
    }
    case 'groups': {
      const [a, b] = spec.groups ?? [[], []];
      return { pairs: across(a, b), sides: [a, b] };
    }
  }
}

export const partitionNemesis: Nemesis<PartitionFaultSpec> = {
  type: 'partition',
  what: 'cut the network into sides (halves, majority, isolate, ring, bridge or two groups)',
  keys: ['shape', 'node', 'groups'],
  read(o, f, issues, names) {
    const shape = readEnum(o.shape, `${f}.shape`, PARTITION_SHAPES, issues, 'halves');
    const out: Omit<PartitionFaultSpec, 'type' | 'atMs' | 'durationMs' | 'everyMs' | 'convergeWithinMs'> = { shape };
    if (o.node !== undefined) {
      if (shape !== 'isolate' && shape !== 'bridge') issues.add(`${f}.node`, o.node, `only with shape 'isolate' or 'bridge' (this one is '${shape}')`);
      out.node = readNode(o.node, `${f}.node`, issues, names);
    }
    if (shape === 'groups') {
      if (!Array.isArray(o.groups) || o.groups.length !== 2) issues.add(`${f}.groups`, o.groups, 'two arrays of node names, the two sides of the partition');
      else {
        const a = readNodes(o.groups[0], `${f}.groups[0]`, issues, names);
        const b = readNodes(o.groups[1], `${f}.groups[1]`, issues, names);
        const both = a.filter((x) => b.includes(x));
        if (both.length) issues.add(`${f}.groups`, o.groups, `two disjoint sides: ${both.join(', ')} is in both`);
        out.groups = [a, b];
      }
    } else if (o.groups !== undefined) issues.add(`${f}.groups`, o.groups, `only with shape 'groups' (this one is '${shape}')`);
    const minimum = shape === 'ring' ? 4 : shape === 'bridge' ? 3 : 2;
    if (names.length > 0 && names.length < minimum) issues.add(`${f}.shape`, shape, `a shape this topology can take: '${shape}' needs at least ${minimum} nodes (it has ${names.length})`);
    return out;
  },
  needs: () => ['cut'],
  async inject(control, spec, names, label) {
    const { pairs, sides } = partitionPairs(spec, names);
    if (!control.cut) throw new LoadnetError('LN_ERR_NODE_CONTROL', 'partition: this deployment\'s node control cannot cut links');
    await control.cut(label, pairs, { shape: spec.shape, sides });
    return { shape: spec.shape, sides };
  },
  async heal(control, _spec, _names, label) {
    await control.uncut!(label);
  },
};
