@inherited @stress
Feature: Stress smoke test

  Background:
    Given we have a CLI deployer specified
    And topology has 3 validators and 3 executors
    And run duration is 120 seconds
    And wallets total funds is 1000000 split across 500 users

  @liveness
  Scenario: Stress with liveness
    Given transactions rate is 10 per block using 500 users
    And data availability channel rate is 1 per block and blob rate is 1 per block
    And expect consensus liveness
    And consensus liveness lag allowance is 3
    When run scenario
    Then scenario should succeed

  @no-liveness
  Scenario: Stress without liveness
    Given transactions rate is 10 per block using 500 users
    And data availability channel rate is 1 per block and blob rate is 1 per block
    When run scenario
    Then scenario should succeed
