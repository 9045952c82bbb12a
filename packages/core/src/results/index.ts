export * from './plan.js'
export * from './query.js'
