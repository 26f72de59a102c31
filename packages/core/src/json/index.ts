export { canonicalJson } from './canonicalJson.js';
export { duplicateKeyPath } from './duplicateKeys.js';
export {
  findNonJson,
  isJsonObject,
  isWellFormed,
  jsonEqual,
  type JsonObject,
  type JsonPrimitive,
  type JsonValue,
} from './JsonValue.js';
export {
  applyMergePatch,
  diffMergePatch,
  escapePointerToken,
  mergePatchPaths,
  pointersOverlap,
} from './mergePatch.js';
