export { MALFORMED_CONTENT } from './answer.js'
export { startStubLlm } from './server.js'
export type {
  ChatMessage,
  ChatRequest,
  FaultKind,
  FaultProbabilities,
  StubLlm,
  StubOptions,
  StubStats,
  Usage,
} from './types.js'
export { FAULT_KINDS } from './types.js'
