/** The transformer model: head-sparse gradient transport (docs/transformer.md). */
export * from './model';
export * from './headSelection';
export * from './learner';
export * from './pretrain';
export * from './cost';
export * from './protocol';
