/** Every fault kind a scenario can name, by its spec type. */
import type { NetworkFaultSpec } from '../../scenario/spec.js';
import type { Nemesis } from '../nemesis.js';
import { blockPeerNemesis } from './block-peer.js';
import { clockSkewNemesis } from './clock-skew.js';
import { latencyTiersNemesis } from './latency-tiers.js';
import { linkFaultNemesis } from './link-fault.js';
import { partitionNemesis } from './partition.js';
import { churnNemesis } from './churn.js';

export const NEMESES: { [T in NetworkFaultSpec['type']]: Nemesis<Extract<NetworkFaultSpec, { type: T }>> } = {
  partition: partitionNemesis,
  'latency-tiers': latencyTiersNemesis,
  'link-fault': linkFaultNemesis,
  'block-peer': blockPeerNemesis,
  'clock-skew': clockSkewNemesis,
  churn: churnNemesis,
};

export const NEMESIS_TYPES = Object.keys(NEMESES) as Array<NetworkFaultSpec['type']>;

export function nemesisOf(type: NetworkFaultSpec['type']): Nemesis {
  return NEMESES[type] as unknown as Nemesis;
}
