/**
 * The edge runtime's first module (runtime-entry.ts imports it before anything else, and the bundle keeps that
 * order): bounds V8's young generation before the rest of the runtime is even evaluated (young-generation.ts).
 */
import { boundYoungGeneration } from './young-generation.js';

boundYoungGeneration();
