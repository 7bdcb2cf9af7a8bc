/**
 * The shipped pretrained weights: their key, path and codec are the contract's (contract/pretrained.ts),
 * since the page fetches the file and the worker puts the weights in place.
 */
export * from '../contract/pretrained';
