import type {} from '@fastify/swagger';
import { ConcordError, type RegionId } from '@concord/core';
import type { FastifyInstance } from '@concord/http';
import type { ConvergenceReport } from '../antiEntropy/AntiEntropy.js';

export interface StatusRoutesDeps {
  readonly region: RegionId;
  readonly convergence: () => ConvergenceReport | undefined;
  readonly status: () => Promise<unknown>;
}

const common = { tags: ['status'], security: [{ bearer: [] }] };

/** `GET /v1/convergence` (the last cross-region comparison) and `GET /v1/status`. */
export function registerStatusRoutes(app: FastifyInstance, deps: StatusRoutesDeps): void {
  app.get(
    '/v1/convergence',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary:
          'The last cross-region comparison: when, result, differing streams, missing ids, convergence seconds',
      },
    },
    async () => {
      const report = deps.convergence();
      if (!report) {
        throw new ConcordError('NOT_FOUND', `no comparison has run yet in ${deps.region}`);
      }
      return report;
    },
  );

  app.get(
    '/v1/status',
    {
      config: { auth: 'admin' },
      schema: {
        ...common,
        summary:
          "This region at a glance: replication lag per origin, parked events, open conflicts, divergence, peers' reachability",
      },
    },
    async () => deps.status(),
  );
}
