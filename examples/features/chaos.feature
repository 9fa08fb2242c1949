@local @chaos
Feature: Nodes restarted, killed and paused under load

  Background:
    Given we have a CLI deployer specified
    And topology has 3 validators and 1 executors
    And slot duration is 500ms
    And active slot coefficient is 0.8
    And security parameter is 4
    And there are 20 funded wallets
    And transactions rate is 10 per second using 10 users
    And node control is enabled

  Scenario Outline: chaos <verb> a node at a time and the chain goes on
    Given chaos <verb> a node every 3s to 5s
    And chaos target cooldown is 4s
    And chaos downtime is 2s
    And chaos keeps at most 1 node down
    And chaos recovery timeout is 30s
    And chaos targets only validators
    And run duration is 20s
    And cooldown is 10s
    And expect safety
    And expect consensus liveness with at least 40% of expected blocks
    When run scenario
    Then scenario should succeed
    And chaos faults is above 1
    And chaos recoveries is above 1
    And dropped transactions is below 1

    @ci
    Examples: restarts
      | verb     |
      | restarts |

    Examples: kills and pauses
      | verb   |
      | kills  |
      | pauses |
