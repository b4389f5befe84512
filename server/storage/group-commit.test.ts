import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit';

/** A promise to settle from outside, standing for a commit's round trip. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('createGroupCommit', () => {
  it('commits everything submitted in one synchronous run together, each submitter getting its own result', async () => {
    const commits: string[][] = [];
    const group = createGroupCommit((items: string[]) => {
      commits.push(items);
      return items.map((item) => item.toUpperCase());
    });
    const results = Promise.all([group.submit('a'), group.submit('b'), group.submit('c')]);
    expect(commits).toEqual([]);
    expect(await results).toEqual(['A', 'B', 'C']);
    expect(commits).toEqual([['a', 'b', 'c']]);

    expect(await group.submit('d')).toBe('D');
    expect(commits).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('starts the commit in the same event-loop turn as the submissions (a microtask, not setImmediate)', async () => {
    const order: string[] = [];
    const group = createGroupCommit((items: number[]) => {
      order.push(`commit ${items.join(',')}`);
      return items;
    });
    setImmediate(() => order.push('next turn'));
    void group.submit(1);
    void group.submit(2);
    await nextTurn();
    expect(order).toEqual(['commit 1,2', 'next turn']);
  });

  it('runs one commit at a time: what arrives while one is in flight goes into the next, together', async () => {
    const rounds: { items: number[]; done: ReturnType<typeof deferred<number[]>> }[] = [];
    const group = createGroupCommit((items: number[]) => {
      const done = deferred<number[]>();
      rounds.push({ items, done });
      return done.promise;
    });
    const first = group.submit(1);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1]]);

    const second = group.submit(2);
    await nextTurn();
    const third = group.submit(3);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1]]);

    rounds[0].done.resolve([10]);
    expect(await first).toBe(10);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1], [2, 3]]);
    rounds[1].done.resolve([20, 30]);
    expect(await Promise.all([second, third])).toEqual([20, 30]);
  });

  it('overlaps asynchronous commits up to maxInFlight, so one slow commit holds only its own items', async () => {
    const rounds: { items: number[]; done: ReturnType<typeof deferred<number[]>> }[] = [];
    const group = createGroupCommit(
      (items: number[]) => {
        const done = deferred<number[]>();
        rounds.push({ items, done });
        return done.promise;
      },
      { maxInFlight: 2 },
    );
    const slow = group.submit(1);
    await nextTurn();
    const fast = group.submit(2);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1], [2]]);
    rounds[1].done.resolve([20]);
    expect(await fast).toBe(20);
    // Both slots taken again: the next two wait for a free one and go together.
    const third = group.submit(3);
    await nextTurn();
    const fourth = group.submit(4);
    const fifth = group.submit(5);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1], [2], [3]]);
    rounds[0].done.resolve([10]);
    expect(await slow).toBe(10);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([[1], [2], [3], [4, 5]]);
    rounds[2].done.resolve([30]);
    rounds[3].done.resolve([40, 50]);
    expect(await Promise.all([third, fourth, fifth])).toEqual([30, 40, 50]);
  });

  it('puts at most maxItems into one commit, starting the rest as the next ones', async () => {
    const commits: number[][] = [];
    const group = createGroupCommit(
      (items: number[]) => {
        commits.push(items);
        return items;
      },
      { maxItems: 2 },
    );
    expect(await Promise.all([1, 2, 3, 4, 5].map((item) => group.submit(item)))).toEqual([1, 2, 3, 4, 5]);
    expect(commits).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("rejects every submitter of a failed commit with its error, and the next commit still runs", async () => {
    const rounds: { items: string[]; done: ReturnType<typeof deferred<string[]>> }[] = [];
    const group = createGroupCommit((items: string[]) => {
      const done = deferred<string[]>();
      rounds.push({ items, done });
      return done.promise;
    });
    const failing = [group.submit('a'), group.submit('b')].map((submitted) => submitted.then(() => null, (error: Error) => error));
    await nextTurn();
    const later = group.submit('c');
    const failure = new Error('disk full');
    rounds[0].done.reject(failure);
    expect(await Promise.all(failing)).toEqual([failure, failure]);
    await nextTurn();
    expect(rounds.map((round) => round.items)).toEqual([['a', 'b'], ['c']]);
    rounds[1].done.resolve(['C']);
    expect(await later).toBe('C');
  });

  it('rejects the submitters of a commit that throws synchronously, and keeps going', async () => {
    let calls = 0;
    const group = createGroupCommit((items: string[]) => {
      calls += 1;
      if (calls === 1) throw new Error('database is locked');
      return items;
    });
    await expect(group.submit('a')).rejects.toThrow('database is locked');
    expect(await group.submit('b')).toBe('b');
  });

  it('rejects every submitter when a commit returns the wrong number of results', async () => {
    const group = createGroupCommit((items: string[]) => items.slice(1));
    const results = await Promise.allSettled([group.submit('a'), group.submit('b')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('flush commits what is queued at once and waits for the commit in flight', async () => {
    const commits: number[][] = [];
    const group = createGroupCommit(async (items: number[]) => {
      commits.push(items);
      await nextTurn();
      return items;
    });
    const first = group.submit(1);
    await Promise.resolve();
    const second = group.submit(2);
    await group.flush();
    expect(commits).toEqual([[1], [2]]);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
  });
});
