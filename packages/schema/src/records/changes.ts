/** How a record changed, as each version in its history says. */
export const VERSION_CHANGES = ['created', 'replaced', 'patched', 'deleted', 'imported'] as const;
export type VersionChange = (typeof VERSION_CHANGES)[number];

/**
 * What happened to a record from one reader's side, as the change feed and webhooks say: written
 * (`created`, `updated`, `deleted`), come into or gone out of the reader's sight (`visible`, `hidden`),
 * or raised an alert about its child (`alert`, see ALERT_KINDS; listed only to those who ask for alerts).
 */
export const FEED_CHANGES = ['created', 'updated', 'deleted', 'visible', 'hidden', 'alert'] as const;
export type FeedChange = (typeof FEED_CHANGES)[number];
