@local
Feature: Expectations and summary figures on a short run

  Scenario: every built-in expectation, an inclusion threshold and figures of the summary
    Given we have a CLI deployer specified
    And topology has 2 validators and 1 executors
    And network shape is full
    And slot duration is 500ms
    And active slot coefficient is 0.8
    And security parameter is 4
    And there are 20 funded wallets
    And transactions rate is 8 per block using 10 users
    And transactions are sent to random nodes
    And expect at least 99% of transactions included
    And data availability channel rate is 1 per block and blob rate is 1 per block
    And data availability blobs are 1024 to 2048 bytes
    And run duration is 15s
    And cooldown is 8s
    And seed is 7
    And expect consensus liveness
    And consensus liveness lag allowance is 3
    And expect supply conserved
    And expect safety
    And expect block timing within 60% and no gap over 10s
    And expect mempool bounded to 500 pending
    When run scenario
    Then scenario should succeed
    And inclusion p99 is below 10s
    And finality p99 is below 20s
    And offered rate is above 5 tx/s
    And included transactions is above 50
    And dropped transactions is below 1
    And included blobs is above 3
    And blocks in window is above 10
    And deepest reorg is below 4
