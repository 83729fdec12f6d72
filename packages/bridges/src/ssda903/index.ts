export { COLLECTION_YEARS, type CollectionYear, isCollectionYear } from './code-lists.js';
export {
  type ConvertSsda903Options,
  convertSsda903,
  type SourceRow,
  type Ssda903Summary,
} from './convert.js';
export { formatProblem, type Ssda903Problem } from './problems.js';
export type { Ssda903File } from './read-tables.js';
export { recogniseTable, TABLE_COLUMNS, type TableName } from './tables.js';
export {
  childIdOf,
  episodeRows,
  episodesTableHeading,
  headerRow,
  headerTableHeading,
  type LearnerForReturn,
  namesRow,
  namesTableHeading,
  type TransitionForReturn,
} from './write-csv.js';
