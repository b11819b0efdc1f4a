import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';

// Apollo's gateway contract, named through Apollo Server's options so we depend on no internal package.
/** What Apollo Server runs a gateway through: load, schema updates, stop. */
export type GatewayInterface = NonNullable<ApolloServerOptionsWithGateway<GatewayContext>['gateway']>;
export type GatewayLoadResult = Awaited<ReturnType<GatewayInterface['load']>>;
/** What executes one operation once it is planned. */
export type GatewayExecutor = NonNullable<GatewayLoadResult['executor']>;
export type ExecutorRequest = Parameters<GatewayExecutor>[0];
export type ExecutorResult = Awaited<ReturnType<GatewayExecutor>>;
