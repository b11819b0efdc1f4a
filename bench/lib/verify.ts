import { isDeepStrictEqual } from 'node:util';

/** POSTs a GraphQL body and returns the raw text, failing on anything but a clean 200. */
export async function postRaw(url: string, body: string, headers: Record<string, string> = {}): Promise<{ text: string; json: { data?: unknown; errors?: unknown[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  const json = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
  if (response.status !== 200 || json.errors) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return { text, json };
}

/**
 * Checks that every gateway answers every request with the same data before anything is
 * timed: a fast wrong answer is not a result. Compares parsed JSON, since whitespace may
 * differ (Apollo Server pretty-prints by default). Returns the response sizes in bytes.
 */
function answerOf(json: unknown): unknown {
  const { data, errors } = json as { data?: unknown; errors?: unknown };
  return { data, errors };
}

export async function verifyIdenticalResponses(gateways: readonly { label: string; url: string }[], bodies: readonly { body: string; headers?: Record<string, string> }[]): Promise<number[]> {
  const sizes: number[] = [];
  for (const [index, request] of bodies.entries()) {
    const answers = await Promise.all(gateways.map(async (g) => ({ label: g.label, ...(await postRaw(g.url, request.body, request.headers)) })));
    const [first, ...rest] = answers;
    for (const other of rest) {
      // `extensions` differ by design: meshgate adds cost and product signals.
      if (!isDeepStrictEqual(answerOf(first!.json), answerOf(other.json))) throw new Error(`request ${index}: ${first!.label} and ${other.label} answered differently`);
    }
    sizes.push(Buffer.byteLength(JSON.stringify(first!.json)));
  }
  return sizes;
}
