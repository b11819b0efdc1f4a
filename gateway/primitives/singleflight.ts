/**
 * Singleflight: identical pieces of work in flight at the same time share one. Outbound,
 * identical product fetches share one HTTP request; inbound, identical queries share one
 * execution; in the caches, identical misses share one fetch and a product's watermark one
 * probe. The first caller for a key starts the work; callers that arrive before it settles
 * wait for the same promise. The entry is dropped as soon as the work settles, so
 * nothing is remembered: a failure reaches the callers already waiting and no one after
 * them, and the next caller fetches fresh.
 *
 * The shared value is handed to every waiter as is, so it must be something no caller
 * mutates, or each caller must take its own copy.
 */
export class Singleflight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  /** Joins the flight for `key`, or starts one with `start`. `shared` says whether it was joined. */
  join(key: string, start: () => Promise<T>): { shared: boolean; result: Promise<T> } {
    const inFlight = this.flights.get(key);
    if (inFlight) return { shared: true, result: inFlight };
    const result = start();
    this.flights.set(key, result);
    const land = () => {
      this.flights.delete(key);
    };
    result.then(land, land);
    return { shared: false, result };
  }

  /** Flights in the air now (for tests and debugging). */
  get size(): number {
    return this.flights.size;
  }
}
