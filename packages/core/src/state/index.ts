export * from './cell-state.js'
export * from './run-state.js'
