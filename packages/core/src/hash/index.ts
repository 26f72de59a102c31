export { hashUint32, sha256Hex } from './sha256.js';
