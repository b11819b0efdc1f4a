// The baseline: Apollo Gateway exactly as Apollo's docs set it up (a supergraph SDL, the
// default RemoteGraphQLDataSource, `startStandaloneServer`), nothing tuned. Plain
// JavaScript run by plain node, as a deployment of it would be: no TypeScript loader, whose
// source-map hooks would make the default fetcher's `Error().stack` calls dearer than they
// are in production. The supergraph file comes as the first argument.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.argv[2], 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
process.once('SIGINT', () => void server.stop().then(() => process.exit(0)));
process.send({ type: 'ready', url });
