export {
  EMPTY_SESSION,
  extendSession,
  issueSessionToken,
  mergeSessions,
  readSessionToken,
  SESSION_LIMITS,
  type AcceptedWrite,
  type Session,
  type SessionWrite,
} from './SessionToken.js';
