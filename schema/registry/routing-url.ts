/**
 * Where a gateway reaches a product that never said where it runs: a product imported into
 * a registry (`meshgate registry import`) or published without `--url`. Composition needs a
 * URL, so it gets one under `.invalid`, a name reserved never to resolve (RFC 6761): a fetch
 * to it fails at once, and everything that shows URLs says "no URL yet" instead of it.
 */
export function unroutedUrl(product: string): string {
  return `http://${product}.invalid/graphql`;
}

/** Whether `url` is a placeholder from {@link unroutedUrl}, not a place a product runs. */
export function isUnrouted(url: string): boolean {
  return URL.canParse(url) && new URL(url).hostname.endsWith('.invalid');
}

/** What to show for a product without a URL, and the two ways it gets one. */
export function noUrlYet(product: string): string {
  return `no URL yet: its team publishes with --url, or set MESHGATE_SUBGRAPH_URL_${product.toUpperCase().replaceAll('-', '_')}`;
}
