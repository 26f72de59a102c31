export { canonicalJson } from './canonicalJson.js';
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
