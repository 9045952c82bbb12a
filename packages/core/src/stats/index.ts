export * from './aggregate.js'
export * from './agreement.js'
export * from './histogram.js'
export * from './threshold.js'
