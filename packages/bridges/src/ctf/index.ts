export { CTF_WRITERS, type CtfWriter } from './authority-fields.js';
export {
  type ConvertCtfOptions,
  type CtfConversion,
  type CtfFile,
  type CtfLearnerUpdate,
  type CtfUnmatchedPupil,
  convertCtf,
} from './convert.js';
export { CTF_UPDATED_FIELDS } from './learner-update.js';
export { type CtfProblem, formatCtfProblem } from './problems.js';
export { KNOWN_CTF_VERSIONS } from './versions.js';
