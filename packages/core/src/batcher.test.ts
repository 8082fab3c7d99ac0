import { Batcher } from './batcher.js';

/** A run function that records each batch and answers after `ms`. */
function recording(ms = 5) {
  const batches: number[][] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, ms));
    return items.map((i) => i * 10);
  };
  return { batches, run };
}

test('items submitted together share one call, and each caller gets its own result', async () => {
  const { batches, run } = recording();
  const batcher = new Batcher(run, { maxBatch: 100, maxInFlight: 1 });
  const results = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
  expect(results).toEqual([10, 20, 30]);
  expect(batches).toEqual([[1, 2, 3]]);
});

test('items arriving while maxInFlight calls run wait and leave together', async () => {
  const { batches, run } = recording(20);
  const batcher = new Batcher(run, { maxBatch: 100, maxInFlight: 1 });
  const first = batcher.submit(1);
  await new Promise((r) => setImmediate(r));
  // the first call is running now: these four queue up behind it
  const rest = [2, 3, 4, 5].map((i) => batcher.submit(i));
  expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
  expect(batches).toEqual([[1], [2, 3, 4, 5]]);
});

test('maxBatch bounds a call and maxInFlight bounds the calls running at once', async () => {
  let running = 0;
  let most = 0;
  const sizes: number[] = [];
  const batcher = new Batcher(
    async (items: number[]) => {
      running++;
      most = Math.max(most, running);
      sizes.push(items.length);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return items;
    },
    { maxBatch: 7, maxInFlight: 2 },
  );
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.submit(i)));
  expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(50);
  expect(most).toBe(2);
});

test('a failed batch fails every item, unless isolateOn accepts the error: then only the bad item fails', async () => {
  const refuse = (items: number[]) => {
    if (items.includes(13)) throw Object.assign(new Error('bad item'), { code: 'data' });
    return Promise.resolve(items.map((i) => -i));
  };
  const strict = new Batcher(async (items: number[]) => refuse(items), { maxBatch: 10, maxInFlight: 1 });
  const plain = await Promise.allSettled([12, 13, 14].map((i) => strict.submit(i)));
  expect(plain.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);

  const isolating = new Batcher(async (items: number[]) => refuse(items), {
    maxBatch: 10,
    maxInFlight: 1,
    isolateOn: (e) => (e as { code?: string }).code === 'data',
  });
  const isolated = await Promise.allSettled([12, 13, 14].map((i) => isolating.submit(i)));
  expect(isolated.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((isolated[0] as PromiseFulfilledResult<number>).value).toBe(-12);
  expect((isolated[1] as PromiseRejectedResult).reason.message).toBe('bad item');
});

test('the batcher keeps working after a failed call', async () => {
  let fail = true;
  const batcher = new Batcher(
    async (items: number[]) => {
      if (fail) throw new Error('connection lost');
      return items;
    },
    { maxBatch: 10, maxInFlight: 1 },
  );
  await expect(batcher.submit(1)).rejects.toThrow('connection lost');
  fail = false;
  await expect(batcher.submit(2)).resolves.toBe(2);
});
