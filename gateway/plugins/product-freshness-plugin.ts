// The product-watermarks-seen plugin's old names and path, kept only for
// gateway/create-gateway.ts, which is being restructured on another branch: once it imports
// from ./plugins/product-watermarks-seen-plugin.ts, delete this file.
export { ProductWatermarksSeen as ObservedFreshness, productWatermarksSeenPlugin as productFreshnessPlugin } from './product-watermarks-seen-plugin.ts';
