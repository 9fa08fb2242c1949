@local @must-fail
Feature: A check that cannot hold fails the run, with its numbers

  # This file fails on purpose: no block comes within a millisecond of a transaction's send time,
  # so `loadnet run` ends with exit code 1 and names the figure, its value and the bound.
  Scenario: inclusion faster than a block interval
    Given we have a CLI deployer specified
    And topology has 1 validators
    And there are 4 funded wallets
    And transactions rate is 2 per block
    And run duration is 6s
    And cooldown is 6s
    When run scenario
    Then scenario should succeed
    And inclusion p99 is below 1ms
