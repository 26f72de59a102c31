export {
  ensureResolutionSchema,
  recordResolution,
  resolutionsOf,
  type ResolutionRecord,
} from './resolutions.js';
