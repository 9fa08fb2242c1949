// runningTask against a scripted manager and engine (fakes of the two Docker calls it makes: listTasks and
// container inspect), for the cases a real swarm shows only by chance: a manager still reporting `starting`.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { runningTask } from '../../src/deployers/swarm/tasks.js';

function manager(states: () => { State: string; ContainerID?: string; Err?: string }): Docker {
  return {
    listTasks: async () => {
      const s = states();
      return [{ DesiredState: 'running', Status: { State: s.State, Message: s.State, Err: s.Err, ContainerStatus: s.ContainerID ? { ContainerID: s.ContainerID } : {} } }];
    },
  } as unknown as Docker;
}

function engine(status: string): Docker & { inspected: number } {
  const e = {
    inspected: 0,
    getContainer: () => ({
      inspect: async () => {
        e.inspected++;
        return { State: { Running: status === 'running', Status: status } };
      },
    }),
  };
  return e as unknown as Docker & { inspected: number };
}

describe('runningTask', () => {
  it('returns the container once the manager reports the task running', async () => {
    let calls = 0;
    const m = manager(() => (++calls < 3 ? { State: 'starting', ContainerID: 'c1' } : { State: 'running', ContainerID: 'c1' }));
    expect(await runningTask(m, 's', 'the task', { timeoutMs: 5_000 })).toEqual({ container: 'c1' });
  });

  it('takes a task still reported `starting` as running when its engine runs the container, after the check delay', async () => {
    const e = engine('running');
    const t0 = Date.now();
    const task = await runningTask(manager(() => ({ State: 'starting', ContainerID: 'c2' })), 's', 'the task', { timeoutMs: 5_000, engine: e, checkStartingAfterMs: 400 });
    expect(task.container).toBe('c2');
    expect(task.runningBeforeReport?.startingMs).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(e.inspected).toBe(1);
  });

  it('keeps waiting while the engine has not started the container, then fails naming the state, for how long, and what the engine says', async () => {
    const e = engine('created');
    await expect(runningTask(manager(() => ({ State: 'starting', ContainerID: 'c3abcdef0123456789' })), 's', 'the task of validator-3', { timeoutMs: 1_000, engine: e, checkStartingAfterMs: 200 })).rejects.toThrow(
      /the task of validator-3 did not run within 1 s \(task starting, starting for 1 s; its container c3abcdef0123 is created on its engine\)/,
    );
    expect(e.inspected).toBeGreaterThan(1);
  });

  it('never checks the engine when none is given, and fails at once on a failed task with Swarm\'s reason', async () => {
    await expect(runningTask(manager(() => ({ State: 'starting', ContainerID: 'c4' })), 's', 'the task', { timeoutMs: 600, checkStartingAfterMs: 0 })).rejects.toThrow(/did not run within 0.6 s \(task starting/);
    await expect(runningTask(manager(() => ({ State: 'rejected', Err: 'No such image: x' })), 's', 'the task', { timeoutMs: 5_000 })).rejects.toThrow(/the task task rejected: No such image: x/);
  });

  it('does not count the container the task replaces', async () => {
    let calls = 0;
    const m = manager(() => (++calls < 4 ? { State: 'running', ContainerID: 'old' } : { State: 'running', ContainerID: 'new' }));
    expect((await runningTask(m, 's', 'the task', { previous: 'old', timeoutMs: 5_000 })).container).toBe('new');
  });
});
