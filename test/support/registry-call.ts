/** A registry answer as the tests read it: JSON parsed where it is JSON, any other text as text. */
export interface RegistryAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** One call to a registry's HTTP API with a bearer token, the body sent as JSON when there is one. */
export async function callRegistry(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<RegistryAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: /^\s*[{[]/.test(text) ? JSON.parse(text) : text || undefined, headers: response.headers };
}
