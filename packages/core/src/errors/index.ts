export { ERROR_CODES, isErrorCode, isRetriableCode, type ErrorCode } from './codes.js';
export {
  ConcordError,
  isConcordError,
  toConcordError,
  type ConcordErrorOptions,
} from './ConcordError.js';
