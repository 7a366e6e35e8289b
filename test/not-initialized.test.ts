// A step before init: constructing an optimizer before `await init()` is a typed error.
// (vitest isolates test files, so the kernels are not compiled in this file's module graph.)
import { expect, test } from 'vitest';
import { Adam, NotInitializedError, init, isInitialized } from '../src/index';

test('creating an optimizer before init() throws NotInitializedError, then works after it', async () => {
  expect(isInitialized()).toBe(false);
  expect(() => new Adam({ w: [2] })).toThrow(NotInitializedError);
  expect(() => new Adam({ w: [2] })).toThrow(/call `await init\(\)` before creating an optimizer/);
  await init();
  expect(() => new Adam({ w: [2] })).not.toThrow();
});
