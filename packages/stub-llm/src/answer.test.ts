import { describe, expect, it } from 'vitest'
import {
  buildAnswer,
  forcedTool,
  isJudgeRequest,
  MALFORMED_CONTENT,
  shapeAnswer,
} from './answer.js'
import type { ChatRequest } from './types.js'

const tool = {
  type: 'function' as const,
  function: {
    name: 'grade',
    parameters: { type: 'object', properties: { score: { type: 'number' } } },
  },
}

function request(extra: Partial<ChatRequest> = {}, content = 'Summarise this.'): ChatRequest {
  return { model: 'm', messages: [{ role: 'user', content }], ...extra }
}

describe('isJudgeRequest', () => {
  it('detects response_format, tools and the word JSON', () => {
    expect(isJudgeRequest(request())).toBe(false)
    expect(isJudgeRequest(request({ response_format: { type: 'json_object' } }))).toBe(true)
    expect(isJudgeRequest(request({ response_format: { type: 'text' } }))).toBe(false)
    expect(isJudgeRequest(request({ tools: [tool] }))).toBe(true)
    expect(isJudgeRequest(request({}, 'Reply in JSON please'))).toBe(true)
    expect(isJudgeRequest(request({}, 'jsonify this'))).toBe(false)
    const system = {
      messages: [
        { role: 'system', content: 'Output JSON.' },
        { role: 'user', content: 'hi' },
      ],
    }
    expect(isJudgeRequest(system)).toBe(true)
    const earlier = {
      messages: [
        { role: 'user', content: 'give JSON' },
        { role: 'assistant', content: '{}' },
        { role: 'user', content: 'now prose' },
      ],
    }
    expect(isJudgeRequest(earlier)).toBe(false)
  })
})

describe('buildAnswer', () => {
  it('plain generation is a deterministic sentence', () => {
    const a = buildAnswer(request(), 1234)
    expect(a).toEqual(buildAnswer(request(), 1234))
    expect(a.content).toMatch(/^The \w+ \w+ \w+ .+\.$/)
    expect(a.finishReason).toBe('stop')
  })

  it('forces the tool only when tool_choice requires it', () => {
    expect(forcedTool(request({ tools: [tool] }))).toBeUndefined()
    expect(forcedTool(request({ tools: [tool], tool_choice: 'required' }))).toBe(tool)
    const named = request({
      tools: [tool],
      tool_choice: { type: 'function', function: { name: 'grade' } },
    })
    const a = buildAnswer(named, 7)
    expect(a.finishReason).toBe('tool_calls')
    expect(a.content).toBeNull()
    expect(a.toolCall?.name).toBe('grade')
    expect(JSON.parse(a.toolCall?.arguments ?? '')).toEqual({ score: 3 })
    const auto = buildAnswer(request({ tools: [tool] }), 7)
    expect(auto.toolCall).toBeUndefined()
    expect(JSON.parse(auto.content ?? '')).toHaveProperty('score', 3)
  })

  it('a scripted answer overrides the content', () => {
    expect(buildAnswer(request(), 1, 'scripted').content).toBe('scripted')
  })
})

describe('shapeAnswer', () => {
  const json = buildAnswer(request({ response_format: { type: 'json_object' } }), 42)

  it('malformed replaces the content with prose', () => {
    const a = shapeAnswer(json, 'malformed')
    expect(a.content).toBe(MALFORMED_CONTENT)
    expect(a.finishReason).toBe('stop')
  })

  it('truncated cuts mid-JSON with finish_reason length', () => {
    const a = shapeAnswer(json, 'truncated')
    expect(json.content?.startsWith(a.content ?? 'x')).toBe(true)
    expect(() => JSON.parse(a.content ?? '')).toThrow()
    expect(a.finishReason).toBe('length')
  })

  it('max tokens cuts at 4 characters per token', () => {
    const a = shapeAnswer(json, undefined, 3)
    expect(a.content).toHaveLength(12)
    expect(a.finishReason).toBe('length')
    expect(shapeAnswer(json, undefined, 1000)).toEqual(json)
  })
})
