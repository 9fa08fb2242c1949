/** Explicit peer block: one node refuses another (the link cut both ways) until unblocked. */
import type { BlockPeerSpec } from '../../scenario/spec.js';
import { readNode, type Nemesis } from '../nemesis.js';

export const blockPeerNemesis: Nemesis<BlockPeerSpec> = {
  type: 'block-peer',
  what: 'one node refuses one peer (the link cut both ways)',
  keys: ['node', 'peer'],
  read(o, f, issues, names) {
    const node = readNode(o.node, `${f}.node`, issues, names);
    const peer = readNode(o.peer, `${f}.peer`, issues, names);
    if (node === peer) issues.add(`${f}.peer`, peer, 'another node than `node`');
    return { node, peer };
  },
  needs: () => ['cut'],
  async inject(control, spec) {
    await control.blockPeer(spec.node, spec.peer);
    return { node: spec.node, peer: spec.peer };
  },
  async heal(control, spec) {
    await control.unblockPeer(spec.node, spec.peer);
  },
};
