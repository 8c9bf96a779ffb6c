import fc from 'fast-check';

/**
 * Property tests draw the same inputs on every run so that a CI result can be reproduced; set
 * FC_SEED to explore other inputs locally (a failure prints the seed and the counterexample).
 */
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261121) });
