export type * from './clock.js'
export type * from './id-source.js'
export type * from './repositories.js'
export type * from './secret-box.js'
