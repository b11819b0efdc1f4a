import type { GraphQLFormattedError } from 'graphql';
import { parseProductReport, PRODUCT_REPORT_HEADER, type ProductReport } from '../../schema/protocol/product-report.ts';
import type { FetchLayer, GatewayGraphQLResponse, ProductAnswer } from './fetch-layer.ts';

type CacheHint = { readonly maxAge: number; readonly scope?: 'PUBLIC' | 'PRIVATE' };

const UNCACHEABLE: CacheHint = { maxAge: 0 };

/**
 * Turns the product's answer into the caller's response, reading what the product says
 * beside its body: its report (version, data as of) goes on the request's `answeredBy`;
 * its `Cache-Control` restricts the response's cache policy, as Apollo's data source does
 * (a product that sends none makes the response uncacheable); and every error is tagged
 * with the product it came from, whatever the product's own server does. An error body
 * (a non-2xx answer) reports nothing and restricts nothing.
 */
export function reportLayer(product: string): FetchLayer<GatewayGraphQLResponse, ProductAnswer> {
  // A product sends the same headers fetch after fetch until its data changes: the last
  // ones read are kept. Both are read, never changed, so requests may share them.
  let lastReport: { header: string; report: ProductReport | null } | undefined;
  let lastCacheHint: { header: string; hint: CacheHint } | undefined;
  const report = (header: string | string[] | undefined): ProductReport | null => {
    const value = Array.isArray(header) ? header.join(', ') : header;
    if (value === undefined) return null;
    if (lastReport?.header !== value) lastReport = { header: value, report: parseProductReport(value) };
    return lastReport.report;
  };
  const hint = (header: string | string[] | undefined): CacheHint => {
    if (header === undefined) return UNCACHEABLE;
    const value = Array.isArray(header) ? header.join(',') : header;
    if (lastCacheHint?.header !== value) lastCacheHint = { header: value, hint: cacheHint(value) };
    return lastCacheHint.hint;
  };
  const tagErrors = (response: GatewayGraphQLResponse): GatewayGraphQLResponse => {
    if (!response.errors) return response;
    return {
      ...response,
      errors: response.errors.map((error: GraphQLFormattedError) => ({ ...error, extensions: { ...error.extensions, product: error.extensions?.product ?? product } })),
    };
  };
  return (next) => async (fetch) => {
    const { body, headers, kind } = await next(fetch);
    if (kind === 'errors') return tagErrors({ data: body.data ?? undefined, errors: body.errors });
    const { options } = fetch;
    fetch.context.answeredBy?.set(product, report(headers[PRODUCT_REPORT_HEADER]));
    if ('incomingRequestContext' in options) options.incomingRequestContext.overallCachePolicy?.restrict(hint(headers['cache-control']));
    return tagErrors(body);
  };
}

/** A product's `Cache-Control` as a cache hint, read as Apollo's data source reads it: no max-age means 0. */
function cacheHint(header: string): CacheHint {
  const directives = new Map<string, string | true>();
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split(/\s*=\s*/, 2) as [string, string | undefined];
    if (name) directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const maxAge = directives.get('max-age');
  const scope = directives.get('public') === true ? 'PUBLIC' : directives.get('private') === true ? 'PRIVATE' : undefined;
  return { maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0, ...(scope ? { scope } : {}) };
}
