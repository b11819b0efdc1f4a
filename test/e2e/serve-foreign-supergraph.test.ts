import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../support/mesh-harness.ts';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { booksResolvers, booksTypeDefs, PLACEHOLDER_URLS, reviewsResolvers, reviewsTypeDefs } from '../fixtures/foreign-supergraph/subgraphs.ts';

const SUPERGRAPH = 'test/fixtures/foreign-supergraph/supergraph.graphql';

/** `meshgate serve` as a real process, serving a supergraph that is not made of our products. */
describe('meshgate serve --supergraph', () => {
  const servers: ApolloServer[] = [];
  const urls: Record<string, string> = {};
  let cli: CliProcess | undefined;

  beforeAll(async () => {
    for (const [name, typeDefs, resolvers] of [
      ['books', booksTypeDefs, booksResolvers],
      ['reviews', reviewsTypeDefs, reviewsResolvers],
    ] as const) {
      const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as never }) });
      const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
      servers.push(server);
      urls[name] = url;
    }
  });
  afterAll(async () => {
    await cli?.stop();
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('the fixture is an honest composition of the two foreign subgraphs', () => {
    const result = composeServices([
      { name: 'books', url: PLACEHOLDER_URLS.books, typeDefs: booksTypeDefs },
      { name: 'reviews', url: PLACEHOLDER_URLS.reviews, typeDefs: reviewsTypeDefs },
    ]);
    expect(result.errors).toBeUndefined();
    expect(readFileSync(SUPERGRAPH, 'utf8')).toBe(`${result.supergraphSdl}\n`);
  });

  it('serves the supergraph on a free port, with subgraph URLs overridden from the environment', async () => {
    cli = runCli(['serve', '--supergraph', SUPERGRAPH, '--port', '0'], {
      MESHGATE_SUBGRAPH_URL_BOOKS: urls.books!,
      MESHGATE_SUBGRAPH_URL_REVIEWS: urls.reviews!,
    });
    const url = await cli.waitFor(/ready at (http:\/\/\S+)/, 60_000);
    expect(await cli.waitFor(/books -> (\S+)/)).toBe(urls.books);

    const health = await fetch(url.replace(/graphql$/, 'health'));
    expect(health.status).toBe(200);

    const result = await postGraphQL(url, { query: '{ books { title year reviews { stars } averageRating } }' });
    expect(result.body.errors).toBeUndefined();
    expect({ data: result.body.data }).toEqual({
      data: {
        books: [
          { title: 'Dune', year: 1965, reviews: [{ stars: 5 }, { stars: 4 }], averageRating: 4.5 },
          { title: 'Solaris', year: 1961, reviews: [{ stars: 3 }], averageRating: 3 },
        ],
      },
    });
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('refuses a missing supergraph file with SUPERGRAPH_INVALID and exit code 1', async () => {
    const missing = runCli(['serve', '--supergraph', 'test/fixtures/does-not-exist.graphql', '--port', '0']);
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('SUPERGRAPH_INVALID: Cannot read supergraph test/fixtures/does-not-exist.graphql: ENOENT');
  });
});
