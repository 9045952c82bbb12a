export * from './plan.js'
export * from './query.js'
export * from './responses.js'
