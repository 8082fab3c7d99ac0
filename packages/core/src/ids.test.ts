import { uuidv7 } from './ids.js';
import { uuidSchema } from './schemas.js';

test('uuidv7: version 7, RFC variant, the time first, accepted as a uuid', () => {
  const at = Date.UTC(2026, 11, 7, 10, 0, 0, 123);
  const id = uuidv7(at);
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  expect(uuidSchema.validate(id).error).toBeUndefined();
});

test('uuidv7: ids of later milliseconds sort after earlier ones; ids of one millisecond differ', () => {
  const ids = Array.from({ length: 50 }, (_, i) => uuidv7(1_800_000_000_000 + i));
  expect([...ids].sort()).toEqual(ids);
  const same = new Set(Array.from({ length: 1000 }, () => uuidv7(1_800_000_000_000)));
  expect(same.size).toBe(1000);
});
