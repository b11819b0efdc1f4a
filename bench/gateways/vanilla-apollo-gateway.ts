import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * The baseline: Apollo Gateway exactly as Apollo's docs set it up (a supergraph SDL, the
 * default RemoteGraphQLDataSource, `startStandaloneServer`), nothing tuned. The supergraph
 * file comes as the first argument; its subgraph URLs are the ones it names.
 */
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.argv[2]!, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
process.once('SIGINT', () => void server.stop().then(() => process.exit(0)));
process.send!({ type: 'ready', url });
