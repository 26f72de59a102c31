/**
 * @concord/http — the HTTP conventions shared by every Concord service.
 */
export {
  assertAuthConfigured,
  createHttpApp,
  sendError,
  type AuthSettings,
  type HttpAppOptions,
  type RouteAuth,
} from './createHttpApp.js';
export { HTTP_STATUS, retryAfterSeconds } from './httpStatus.js';
export { onShutdownSignal } from './shutdown.js';
export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
