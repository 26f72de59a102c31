export { ascending, median, quantile } from './quantile.js';
