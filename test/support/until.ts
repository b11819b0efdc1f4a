import { expect } from 'vitest';

/**
 * Waits, polling every 10 ms for up to 5 s, until `condition` holds, then asserts it: for
 * states a test cannot await directly (requests held by a proxy, requests that joined a
 * flight). It never asserts on time: a slow machine only waits longer.
 */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await condition()).toBe(true);
}
