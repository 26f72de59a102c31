export {
  formatSourcePosition,
  parseSourcePosition,
  type SourcePosition,
  type SourcePositionParse,
} from './sourcePosition.js';
