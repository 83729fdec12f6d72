export { CATALOGUE, suiteFor } from './catalogue.js';
export { main, USAGE } from './cli.js';
export type { Credentials, RunOptions } from './context.js';
export type { ConformanceTest } from './define.js';
export { KIT } from './kit.js';
export * from './model.js';
export { junitXml } from './report/junit.js';
export { resultLine, summary } from './report/terminal.js';
export { type RunConformanceOptions, runConformance } from './runner.js';
