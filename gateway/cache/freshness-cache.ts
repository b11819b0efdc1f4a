// The watermark cache's old name and path, kept only for gateway/create-gateway.ts, which is
// being restructured on another branch: once it imports WatermarkCache from
// ./cache/watermark-cache.ts, delete this file.
export { WatermarkCache as FreshnessCache } from './watermark-cache.ts';
