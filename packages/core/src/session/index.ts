export {
  EMPTY_SESSION,
  extendSession,
  issueSessionToken,
  mergeSessions,
  readSessionToken,
  SESSION_LIMITS,
  type AcceptedWrite,
  type Session,
  type SessionPosition,
  type SessionWrite,
} from './SessionToken.js';
