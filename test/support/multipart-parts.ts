/** A GraphQL response read as it arrives: its status and headers, then each part when its bytes are in. */
export interface PartsReader {
  status: number;
  headers: Headers;
  /** The next part's JSON, or undefined once the closing boundary (or the end of a plain answer) is read. */
  next(): Promise<any | undefined>;
  /** Every remaining part. */
  rest(): Promise<any[]>;
}

const DEFER_ACCEPT = 'multipart/mixed;deferSpec=20220824, application/json';

/**
 * POSTs to the gateway asking for incremental delivery and reads `multipart/mixed; boundary="-"`
 * part by part (a plain JSON answer is one part), so a test can assert what arrived before a
 * product was let go.
 */
export async function postForParts(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PartsReader> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: DEFER_ACCEPT, ...headers }, body: JSON.stringify(body) });
  const multipart = (response.headers.get('content-type') ?? '').startsWith('multipart/mixed');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const next = async (): Promise<any | undefined> => {
    for (;;) {
      if (!multipart) {
        if (done) return undefined;
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) buffer += decoder.decode(chunk.value, { stream: true });
        done = true;
        return JSON.parse(buffer);
      }
      // A part is `content-type: …\r\n\r\n{json}\r\n---` (then `\r\n` or `--`).
      const start = buffer.indexOf('\r\n\r\n');
      const end = start < 0 ? -1 : buffer.indexOf('\r\n---', start);
      if (end >= 0) {
        const json = buffer.slice(start + 4, end);
        buffer = buffer.slice(end + 5);
        return JSON.parse(json);
      }
      if (done) return undefined;
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else buffer += decoder.decode(chunk.value, { stream: true });
      // The preamble `\r\n---\r\n` before the first part.
      if (buffer.startsWith('\r\n---\r\n')) buffer = buffer.slice(7);
    }
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    rest: async () => {
      const parts = [];
      for (let part = await next(); part !== undefined; part = await next()) parts.push(part);
      return parts;
    },
  };
}
