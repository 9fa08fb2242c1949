@local @must-fail
Feature: Runs that fail on purpose, each with the message that says why

  # Both scenarios fail on purpose, so `loadnet run` ends with exit code 1. The first breaks a check on a
  # figure of the summary (no transaction is in a block within a millisecond of being sent); the second an
  # expectation (with 1 s slots no block comes within 100 ms of the previous one, so there are gaps over it).
  Background:
    Given we have a CLI deployer specified
    And topology has 1 validators
    And there are 4 funded wallets
    And transactions rate is 2 per block
    And run duration is 6s
    And cooldown is 6s

  Scenario: inclusion faster than a block interval
    When run scenario
    Then scenario should succeed
    And inclusion p99 is below 1ms

  Scenario: blocks closer together than a slot
    Given expect block timing within 50% and no gap over 100ms
    When run scenario
    Then scenario should succeed
