/**
 * The app a request comes from, as it names itself in Apollo's client-awareness headers
 * (`apollographql-client-name` / `-version`). The one reader of those headers: metrics and
 * logs label by it, the rate limiter may key on it, and the principal carries it.
 *
 * A client chooses these values freely: they say which app asks, never who may see what.
 */
export interface ClientIdentity {
  readonly name: string | null;
  readonly version: string | null;
}

/** Request headers as Node (`IncomingMessage.headers`), Apollo (`HeaderMap`) or the gateway context hold them. */
type Headers = { get(name: string): string | undefined | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

export function clientIdentity(headers: Headers): ClientIdentity {
  const read = (name: string): string | null => {
    const value = typeof headers.get === 'function' ? (headers as { get(name: string): string | undefined | null }).get(name) : (headers as Record<string, unknown>)[name];
    const text = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '';
    return text.trim() || null;
  };
  return { name: read('apollographql-client-name'), version: read('apollographql-client-version') };
}
