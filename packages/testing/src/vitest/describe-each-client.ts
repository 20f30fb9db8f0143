import type { Era } from '@mcpkit/core';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  type ClientMatrixOptions,
  clientMatrix,
  type RunConnectOptions,
  type TestTransport,
} from '../client-matrix.js';
import type { LocalTestServer, TestClient } from '../test-client.js';
import type { TestClientTools } from '../typed-calls.js';

/** Options of {@link describeEachClient}: the matrix, plus the options of each run's shared client. */
export interface DescribeEachClientOptions<S extends LocalTestServer = LocalTestServer>
  extends ClientMatrixOptions<S> {
  /** Options of the client every run connects before its tests (`era` comes from the run; `env` applies to stdio runs). */
  client?: RunConnectOptions;
}

/** What the body of {@link describeEachClient} gets for its run; its clients are typed by `S`'s tools. */
export interface ClientRunContext<S extends LocalTestServer = LocalTestServer> {
  readonly era: Era;
  readonly transport: TestTransport;
  /** The run's label, e.g. `modern · http`. */
  readonly name: string;
  /** The run's shared client, connected before the first test (read it inside tests and hooks, not at collection time). */
  readonly client: TestClient<TestClientTools<S>>;
  /** Connects one more client in the run's era and transport (`env`: its child's environment, stdio runs only); closed with the run. */
  connect(options?: RunConnectOptions): Promise<TestClient<TestClientTools<S>>>;
}

/**
 * Runs a `describe` block once per era (modern, legacy) and transport (in process, Streamable HTTP,
 * stdio), named `title [era · transport]`, each with a connected test client.
 */
export function describeEachClient<S extends LocalTestServer = LocalTestServer>(
  title: string,
  options: DescribeEachClientOptions<S>,
  body: (run: ClientRunContext<S>) => void,
): void {
  const { client: clientOptions, ...matrix } = options;
  for (const run of clientMatrix(matrix)) {
    describe(`${title} [${run.name}]`, () => {
      let shared: TestClient<TestClientTools<S>> | undefined;
      beforeAll(async () => {
        shared = await run.connect(clientOptions);
      });
      afterAll(() => run.close());
      body({
        era: run.era,
        transport: run.transport,
        name: run.name,
        get client(): TestClient<TestClientTools<S>> {
          if (!shared)
            throw new Error(
              `The ${run.name} client is connected in beforeAll: read it inside a test or hook.`,
            );
          return shared;
        },
        connect: (more) => run.connect(more),
      });
    });
  }
}
