/**
 * Reports as self-contained HTML pages with their charts drawn as inline SVG, for a head to send to
 * the corporate parenting board: no script, font or anything else fetched when the page is opened.
 */

export { cohortFilters, renderCohortHtml } from './cohort.js';
export { type RenderOptions, renderPepComplianceHtml } from './pep-compliance.js';
