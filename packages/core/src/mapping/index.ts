export * from './mapping.js'
