import { describe, expect, it } from 'vitest'
import { createRandom, fnv1a, pickInt } from './random.js'

describe('fnv1a', () => {
  it('matches the published 32-bit FNV-1a vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
  })
})

describe('createRandom', () => {
  it('is reproducible for a seed and stays in [0, 1)', () => {
    const a = createRandom(42)
    const b = createRandom(42)
    const drawsA = Array.from({ length: 1000 }, a)
    expect(Array.from({ length: 1000 }, b)).toEqual(drawsA)
    expect(drawsA.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(createRandom(43)()).not.toBe(drawsA[0])
  })

  it('pickInt covers the whole inclusive range', () => {
    const random = createRandom(7)
    const seen = new Set(Array.from({ length: 200 }, () => pickInt(random, 1, 5)))
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5])
  })
})
