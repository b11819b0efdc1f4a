import { describe, expect, it } from 'vitest';
import { FailoverStore } from '../../../gateway/shared-state/failover-store.ts';
import type { SharedStateStore } from '../../../gateway/shared-state/key-value-store.ts';
import { MemoryStore } from '../../../gateway/shared-state/memory-store.ts';

describe('MemoryStore token bucket', () => {
  it('allows a burst of `capacity`, then refills at the configured rate', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    const bucket = { capacity: 3, refillPerSecond: 2 };
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await store.takeToken('k', bucket));
    expect(burst.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(burst[3]).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    now += 500; // half a second refills one token at 2/s
    expect((await store.takeToken('k', bucket)).allowed).toBe(true);
    expect((await store.takeToken('k', bucket)).allowed).toBe(false);
    expect((await store.takeToken('other', bucket)).allowed).toBe(true);
  });

  it('expires values after their TTL', async () => {
    let now = 0;
    const store = new MemoryStore(() => now);
    await store.set('a', '1', 10);
    await store.set('b', '2');
    now = 9_999;
    expect(await store.get('a')).toBe('1');
    now = 10_000;
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe('2');
  });
});

describe('FailoverStore', () => {
  it('answers from memory while the primary throws, and goes back to it when it recovers', async () => {
    let down = false;
    const primary = new MemoryStore();
    const flaky: SharedStateStore = {
      kind: 'redis',
      get: (key) => (down ? Promise.reject(new Error('ECONNREFUSED')) : primary.get(key)),
      set: (key, value, ttl) => (down ? Promise.reject(new Error('ECONNREFUSED')) : primary.set(key, value, ttl)),
      delete: (key) => primary.delete(key),
      takeToken: (key, bucket) => primary.takeToken(key, bucket),
      close: () => primary.close(),
    };
    let clock = 0;
    const store = new FailoverStore(flaky, undefined, undefined, { probeIntervalMs: 500, now: () => clock });
    await store.set('x', 'from-redis');
    expect(store.kind).toBe('redis');
    down = true;
    expect(await store.get('x')).toBeUndefined();
    await store.set('x', 'from-memory');
    expect(await store.get('x')).toBe('from-memory');
    expect(store.isDegraded).toBe(true);
    down = false;
    // Degraded, requests go straight to memory; a background read at most every
    // probeIntervalMs finds the primary answering again.
    expect(await store.get('x')).toBe('from-memory');
    expect(store.isDegraded).toBe(true);
    clock += 500;
    expect(await store.get('x')).toBe('from-memory');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.isDegraded).toBe(false);
    expect(await store.get('x')).toBe('from-redis');
  });
});
