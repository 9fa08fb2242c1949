/**
 * The seed's Byzantine Gossip Flooding: a peer with its own identity joins validator-0 through the devnet's
 * P2P handshake (the devnet's own framed TCP, not libp2p: loadnet's DevnetPeer) and publishes 500 messages/s
 * of stale and duplicate blocks, duplicate and bad-signature transactions and unsolicited DA shares, while
 * transfers go on. Expectations: validator-0 scores the flooder down, throttles, disconnects and bans it
 * within 10 s and refuses it again (scores in its p2p_peer_score metric), its chain grows and blocks reach it
 * with p99 ≤ 2 s; the chain live. The time to ban and the score curve are in the `floodingPeer` section.
 *
 *   npm run loadnet -- run examples/flooding-peer.ts [--duration 20s]
 *   npx tsx examples/flooding-peer.ts         (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 *   LOADNET_DEFENSES=off:peer-ban npx tsx examples/flooding-peer.ts   (never banned: the check fails)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function floodingPeer(): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(10)
    .transactions()
      .ratePerSecond(20)
      .apply()
    .floodPeer({ target: 'validator-0', rate: 500, startAfter: '3s', banWithin: '10s', propagationP99: '2s' })
    .expectConsensusLiveness()
    .withRunDuration('30s')
    .named('flooding-peer')
    .build();
}

export default floodingPeer;

if (isMain(import.meta.url)) runAsScript(() => [floodingPeer()]);
