@local @max-rate
Feature: The maximum sustainable rate of a small topology

  Scenario: two validators sustain a modest rate under a 5 s p99
    Given we have a CLI deployer specified
    And topology has 2 validators
    And slot duration is 500ms
    And active slot coefficient is 0.8
    And security parameter is 4
    And max-rate holds each rate for 6s
    Then the maximum sustainable rate is at least 40 tx/s with p99 below 5s
