import * as z from 'zod';
import { CLASSIFICATIONS, PRODUCT_NAME } from '../product/descriptor.ts';
import { DECISIONS, type Agreements } from './agreements.ts';
import type { RegistryPrincipal } from './registry-tokens.ts';

/** What a route answers: a JSON body (or none, for 304) with its status and headers. */
export interface AgreementAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A registry route of the agreements API; `startRegistryServer` serves it behind the same token check as every route. */
export interface AgreementRoute {
  method: 'GET' | 'POST';
  path: string[];
  who: readonly RegistryPrincipal['kind'][];
  handle(request: {
    params: Record<string, string>;
    principal: RegistryPrincipal;
    query: URLSearchParams;
    ifNoneMatch: string | undefined;
    json<T>(schema: z.ZodType<T>): Promise<T>;
  }): Promise<AgreementAnswer>;
}

const name = z.string().regex(PRODUCT_NAME, 'must be a name in kebab-case').max(100);
const text = (max: number) => z.string().trim().min(1).max(max);

const consumerSchema = z.strictObject({
  name,
  /** The value of the gateways' application claim in the consumer's tokens. @default its name */
  application: text(200).optional(),
  ownerTeam: text(100),
  contact: text(200),
});

const requestSchema = z
  .strictObject({
    consumer: name,
    product: name,
    classifications: z.array(z.enum(CLASSIFICATIONS)).max(CLASSIFICATIONS.length).optional(),
    /** Scopes as governance names them; each stands for the classifications it opens. */
    scopes: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
    purpose: text(500),
    endsAt: z.string().max(40),
  })
  .refine((request) => (request.classifications?.length ?? 0) + (request.scopes?.length ?? 0) > 0, 'name at least one classification or scope');

const decisionSchema = z.strictObject({ decision: z.enum(DECISIONS), reason: text(500) });
const filterSchema = z.object({ product: name.optional(), consumer: name.optional() });

const ANYONE: AgreementRoute['who'] = ['platform', 'product', 'gateway', 'steward', 'consumer'];

function agreementId(raw: string): number {
  // Not a number is no agreement: the same answer as an unknown one.
  return /^\d{1,9}$/.test(raw) ? Number(raw) : 0;
}

/** The agreements API (v1): consumers, requests, decisions, and what gateways enforce. */
export function agreementRoutes(agreements: Agreements): AgreementRoute[] {
  return [
    {
      method: 'GET',
      path: ['v1', 'consumers'],
      who: ANYONE,
      handle: async () => ({ status: 200, body: await agreements.consumers() }),
    },
    {
      method: 'POST',
      path: ['v1', 'consumers'],
      who: ['platform', 'consumer'],
      handle: async ({ json, principal }) => ({ status: 201, body: await agreements.registerConsumer(await json(consumerSchema), principal) }),
    },
    {
      method: 'GET',
      path: ['v1', 'agreements'],
      who: ANYONE,
      async handle({ query }) {
        const filter = filterSchema.parse(Object.fromEntries(query), { error: () => 'expected product=<name> and/or consumer=<name>' });
        return { status: 200, body: await agreements.list(filter) };
      },
    },
    {
      method: 'POST',
      path: ['v1', 'agreements'],
      who: ['platform', 'product', 'steward', 'consumer'],
      handle: async ({ json, principal }) => ({ status: 201, body: await agreements.request(await json(requestSchema), principal) }),
    },
    {
      method: 'GET',
      path: ['v1', 'agreements', ':id'],
      who: ANYONE,
      handle: async ({ params }) => ({ status: 200, body: await agreements.agreement(agreementId(params.id!)) }),
    },
    {
      method: 'POST',
      path: ['v1', 'agreements', ':id', 'decisions'],
      who: ['product', 'steward', 'platform'],
      async handle({ params, json, principal }) {
        const { decision, reason } = await json(decisionSchema);
        return { status: 201, body: await agreements.decide(agreementId(params.id!), decision, reason, principal) };
      },
    },
    {
      // What gateways enforce, polled as the supergraph is: with If-None-Match, a 304 when nothing changed.
      method: 'GET',
      path: ['v1', 'grants'],
      who: ['gateway', 'platform'],
      async handle({ ifNoneMatch }) {
        const { document, etag } = await agreements.forGateways();
        const headers = { etag, 'cache-control': 'no-cache' };
        return ifNoneMatch === etag ? { status: 304, headers } : { status: 200, body: document, headers };
      },
    },
  ];
}
