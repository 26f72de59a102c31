/**
 * @concord/http — the HTTP conventions shared by every Concord service, and its boot sequence
 * (runServiceMain, called by each service's composition root).
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
export {
  exitCodeFor,
  parseServiceArgs,
  runServiceMain,
  type ServiceContext,
  type ServiceMainOptions,
} from './serviceMain.js';
export { onShutdownSignal } from './shutdown.js';
export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
