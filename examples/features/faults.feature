@local @chaos @faults
Feature: Network faults under load, shortened from the seed's partition recovery and latency tiers

  Background:
    Given we have a CLI deployer specified
    And topology has 4 validators and 2 executors
    And network shape is full
    And node control is enabled
    And there are 20 funded wallets
    And transactions rate is 2 per block using 10 users
    And run duration is 20s
    And expect safety
    And expect consensus liveness

  Scenario: the network split into halves heals and every node is on one chain again
    Given slot duration is 250ms
    And security parameter is 10
    And the network is partitioned into halves
    And the fault starts at 5s
    And the fault holds for 3s
    And the network converges within 20s
    And expect fork rate of at most 0.5 reorgs and 0.5 orphans per block and no reorg deeper than 10
    When run scenario
    Then scenario should succeed

  Scenario: blocks reach each latency tier within its bound
    Given slot duration is 500ms
    And latency tier A delays nodes "validator-0, executor-0" by 10ms
    And latency tier B delays nodes "validator-1, executor-1" by 100ms
    And latency tier C delays nodes "validator-2, validator-3" by 300ms
    And the fault jitter is 20ms
    And the fault heals at 14s
    And expect block propagation to tier C p50 below 625ms and p99 below 1500ms
    And expect block propagation p99 below 1500ms
    And expect fork rate of at most 1 reorgs and 0.6 orphans per block, 0.15 per block from height battles, and no reorg deeper than 3
    When run scenario
    Then scenario should succeed
