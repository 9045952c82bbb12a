export * from './template.js'
