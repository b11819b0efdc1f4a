import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerExportCommand } from '../../../gateway/cli/export-command.ts';
import { loadGovernance } from '../../../schema/contracts/governance.ts';
import { odpsSchema, problemsOf } from '../../contracts/standard-schemas.ts';
import { productWith, publishedBaseline, startAgreementRegistry, type AgreementRegistry } from '../../support/agreement-registry.ts';

/**
 * The registry's read-only pages of access agreements: by product and by consumer, pending
 * first, each with its history; a product's catalog page names its consumers and their purposes.
 */
const CONSUMER = 'board-pack';
const PRODUCT = productWith('confidential');
const DAY = 86_400_000;
const SCOPE = loadGovernance().classificationScopes.confidential[0]!;

let dir: string;
let registry: AgreementRegistry;
let active = 0;
let pending = 0;

async function pageOf(path: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${registry.server.url}${path}`, { headers: { authorization: `Bearer ${registry.tokens.gateway}` } });
  return { status: response.status, html: await response.text() };
}

describe('registry pages: access agreements', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agreement-pages-'));
    registry = await startAgreementRegistry(join(dir, 'registry.duckdb'), { consumers: [CONSUMER], pages: true });
    const token = registry.tokens[`consumer:${CONSUMER}`]!;
    await registry.call('POST', '/v1/consumers', token, { name: CONSUMER, ownerTeam: 'board-office', contact: 'board@example.com' });
    const ask = async (purpose: string, what: Record<string, string[]> = { classifications: ['confidential'] }) =>
      (
        await registry.call('POST', '/v1/agreements', token, {
          consumer: CONSUMER,
          product: PRODUCT,
          ...what,
          purpose,
          endsAt: new Date(Date.now() + 30 * DAY).toISOString(),
        })
      ).body.id as number;
    active = await ask('Quarterly board pack <b>figures</b>');
    await registry.call('POST', `/v1/agreements/${active}/decisions`, registry.tokens[PRODUCT]!, { decision: 'approve', reason: 'Board reporting' });
    // The second is asked for by scope: the page shows what was asked beside what it opens.
    pending = await ask('A second look', { scopes: [SCOPE] });
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists agreements by product and by consumer, pending first, with who decided and why', async () => {
    for (const path of [`/agreements?product=${PRODUCT}`, `/agreements?consumer=${CONSUMER}`, '/agreements']) {
      const { status, html } = await pageOf(path);
      expect(status).toBe(200);
      const order = [...html.matchAll(/data-agreement="(\d+)" data-status="(\w+)"/g)].map((m) => [Number(m[1]), m[2]]);
      expect(order).toEqual([
        [pending, 'pending'],
        [active, 'active'],
      ]);
      expect(html).toContain(`approve by ${PRODUCT}-team (owner)`);
      const scopes = [...html.matchAll(/data-agreement="(\d+)"[\s\S]*?<\/tr>/g)].map((row) => [Number(row[1]), /data-scopes>as ([^<]*)</.exec(row[0])?.[1]]);
      expect(scopes).toEqual([
        [pending, SCOPE],
        [active, undefined],
      ]);
      expect(html).toContain('Board reporting');
      // What a requester wrote is escaped.
      expect(html).toContain('&lt;b&gt;figures&lt;/b&gt;');
      expect(html).not.toContain('<b>figures');
    }
    expect((await pageOf('/agreements?product=no-such-product')).html).toContain('No agreements.');
  });

  it("a product's catalog page names its consumers and their purposes", async () => {
    const { status, html } = await pageOf(`/catalog/${PRODUCT}`);
    expect(status).toBe(200);
    const consumers = /<h2 id="consumers">Consumers<\/h2>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(consumers).toContain(`data-consumer="${CONSUMER}"`);
    expect(consumers).toContain('Quarterly board pack &lt;b&gt;figures&lt;/b&gt;');
    expect(consumers).toContain('board-office');
    expect(consumers).not.toContain('A second look'); // pending: not a consumer yet
  });

  it("`meshgate export odps --registry` lists the product's consumers under active agreements, valid ODPS", async () => {
    const out = join(dir, 'odps.yaml');
    const program = new Command().exitOverride();
    registerExportCommand(program);
    await program.parseAsync(['node', 'meshgate', 'export', 'odps', PRODUCT, '--out', out, '--registry', registry.server.url, '--token', registry.tokens.gateway!]);
    const doc = parse(readFileSync(out, 'utf8'));
    expect(problemsOf(odpsSchema, doc, PRODUCT)).toEqual([]);
    const consumers = doc.customProperties.find((p: { property: string }) => p.property === 'consumers')?.value;
    expect(consumers).toEqual([expect.objectContaining({ consumer: CONSUMER, purpose: 'Quarterly board pack <b>figures</b>', classifications: ['confidential'] })]);
  });

  it("a registry check of a breaking change names the product's consumers under active agreements, not pending ones", async () => {
    const baseline = publishedBaseline(PRODUCT);
    // A String field turned Int: a breaking change that leaves the descriptor valid.
    const field = /^\s+(\w+): String!?$/m.exec(baseline.sdl);
    expect(field, `a String field in ${PRODUCT}`).not.toBeNull();
    const sdl = baseline.sdl.replace(field![0], field![0].replace('String', 'Int'));
    const { body } = await registry.call('POST', '/v1/check', registry.tokens[PRODUCT]!, { ...baseline, sdl });
    const breaking = (body.findings as { rule: string; message: string }[]).filter((f) => f.rule.startsWith('compat/breaking'));
    expect(breaking.length, JSON.stringify(body).slice(0, 600)).toBeGreaterThan(0);
    for (const finding of breaking) {
      expect(finding.message).toContain(`under an active access agreement: ${CONSUMER} (Quarterly board pack <b>figures</b>)`);
      expect(finding.message).not.toContain('A second look');
    }
  });

  it('needs a registry token, as every page', async () => {
    expect((await fetch(`${registry.server.url}/agreements`)).status).toBe(401);
  });
});
