import { describe, expect, it } from 'vitest'
import { computeUsage, countTokens, messageText } from './tokens.js'

describe('usage', () => {
  it('counts ceil(chars / 4), at least 1', () => {
    expect(countTokens(0)).toBe(1)
    expect(countTokens(4)).toBe(1)
    expect(countTokens(5)).toBe(2)
  })

  it('sums the text of every message, string or parts', () => {
    const messages = [
      { role: 'system', content: 'abcd' },
      { role: 'user', content: [{ type: 'text', text: 'efgh' }, { type: 'image_url' }] },
      { role: 'assistant', content: null },
      { role: 'user', content: 'i' },
    ]
    expect(messageText(messages[1]!)).toBe('efgh')
    expect(computeUsage(messages, 9)).toEqual({
      prompt_tokens: 3,
      completion_tokens: 3,
      total_tokens: 6,
    })
  })
})
