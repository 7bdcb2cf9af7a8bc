/** The transformer model of issue 14: head-sparse gradient transport (docs/transformer.md). */
export * from './model';
export * from './headSelection';
export * from './learner';
export * from './pretrain';
export * from './cost';
export * from './protocol';
