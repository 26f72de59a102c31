export {
  diffDigests,
  differingBuckets,
  differingStreams,
  missingEventIds,
  type BucketRollup,
  type DigestDiff,
  type StreamDivergence,
} from './diffDigests.js';
export { bucketOf, DIGEST_BUCKETS, stateHash, type StreamDigest } from './streamDigest.js';
export {
  addToEventSetSum,
  adjustSum,
  digestLine,
  EMPTY_SET_SUM,
  eventSetSum,
  projectionStreamDigest,
  rollUpDigestSums,
  sumOfHashes,
} from './setSum.js';
