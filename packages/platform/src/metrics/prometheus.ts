// `@verge/platform/prometheus`: the parts that import prom-client, loaded by a process's first scrape
// (`lazyExposition`), never by `@verge/platform` itself.
export { scrapedCounter, scrapedGauge, scrapedHistogram, scrapedSummary, type Sample } from './scraped-metrics.js';
