import { describe, expect, it } from 'vitest'
import {
  averagePrecision,
  entityRecall,
  noiseSensitivity,
  normalizeEntity,
  supportedShare,
} from './formulas.js'

const T = true
const F = false

describe('supportedShare', () => {
  it('is supported / total, null for no statements', () => {
    expect(supportedShare([T, T, F, T, T])).toBe(0.8)
    expect(supportedShare([F])).toBe(0)
    expect(supportedShare([])).toBeNull()
  })
})

describe('averagePrecision (RAGAS context precision)', () => {
  it.each([
    [[T, F, T], (1 / 1 + 2 / 3) / 2],
    [[T, T, T], 1],
    [[F, F, T], 1 / 3],
    [[F, F, T, T, F], (1 / 3 + 2 / 4) / 2],
    [[T, F, F, F], 1],
    [[F, T], 1 / 2],
    [[F, F, F], 0],
  ])('%o → %f', (verdicts, expected) => {
    expect(averagePrecision(verdicts)).toBeCloseTo(expected, 12)
  })

  it('matches RAGAS _calculate_average_precision up to its 1e-10 epsilon', () => {
    const ragas = (v: number[]) =>
      v.reduce(
        (sum, vi, i) => sum + (v.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1)) * vi,
        0,
      ) /
      (v.reduce((a, b) => a + b, 0) + 1e-10)
    for (const v of [[1, 0, 1], [0, 1, 1, 0, 1], [1], [0, 0, 0, 1]]) {
      expect(averagePrecision(v.map(Boolean))).toBeCloseTo(ragas(v), 8)
    }
  })

  it('is null without chunks', () => {
    expect(averagePrecision([])).toBeNull()
  })
})

describe('entityRecall', () => {
  it('is |CE ∩ RE| / |RE| over distinct, normalised entities', () => {
    const result = entityRecall(
      ['Taj Mahal', 'Agra', 'Shah Jahan', 'Mumtaz Mahal', '1631', 'agra'],
      ['taj mahal', 'Agra.', '“Shah Jahan”', 'Yamuna'],
    )
    expect(result.score).toBeCloseTo(3 / 5, 12)
    expect(result.found).toEqual(['Taj Mahal', 'Agra', 'Shah Jahan'])
    expect(result.missing).toEqual(['Mumtaz Mahal', '1631'])
  })

  it('scores 0 when the reference has no entities (RAGAS: 0 / 1e-8)', () => {
    expect(entityRecall([], ['x']).score).toBe(0)
    expect(entityRecall(['  ', '.'], ['x']).score).toBe(0)
  })

  it('normalises case, spacing and surrounding punctuation only', () => {
    expect(normalizeEntity('  The  Eiffel\nTower. ')).toBe('the eiffel tower')
    expect(normalizeEntity('U.S.')).toBe('u.s')
    expect(normalizeEntity('ＡＢＣ')).toBe('abc')
  })
})

describe('noiseSensitivity', () => {
  // Three chunks; chunk 1 supports reference statement 1, chunk 2 supports nothing of the
  // reference (irrelevant), chunk 3 supports reference statement 2.
  const referenceByChunk = [
    [T, F, F],
    [F, F, T],
  ]
  // Response statements: 1 correct from chunk 1; 2 incorrect from chunk 3 (relevant);
  // 3 incorrect from chunk 2 only (irrelevant); 4 incorrect, from no chunk.
  const responseByChunk = [
    [T, F, F],
    [F, F, T],
    [F, T, F],
    [F, F, F],
  ]
  const responseByReference = [T, F, F, F]
  const verdicts = { referenceByChunk, responseByChunk, responseByReference, chunkCount: 3 }

  it('relevant mode: incorrect claims supported by a relevant chunk / all claims', () => {
    expect(noiseSensitivity(verdicts, 'relevant')).toEqual({
      score: 1 / 4,
      flagged: [1],
      relevantChunks: [0, 2],
    })
  })

  it('irrelevant mode: incorrect claims supported only by irrelevant chunks / all claims', () => {
    expect(noiseSensitivity(verdicts, 'irrelevant')).toEqual({
      score: 1 / 4,
      flagged: [2],
      relevantChunks: [0, 2],
    })
  })

  it('a claim supported by both kinds of chunk counts as relevant only', () => {
    const both = { ...verdicts, responseByChunk: [[T, T, F]], responseByReference: [F] }
    expect(noiseSensitivity(both, 'relevant')?.score).toBe(1)
    expect(noiseSensitivity(both, 'irrelevant')?.score).toBe(0)
  })

  it('one incorrect claim of three, picked up from a relevant chunk, scores 1/3', () => {
    const lic = {
      referenceByChunk: [
        [T, F, F, F],
        [F, T, F, F],
        [F, F, T, F],
      ],
      responseByChunk: [
        [F, T, F, F],
        [F, T, F, F],
        [F, F, T, F],
      ],
      responseByReference: [T, T, F],
      chunkCount: 4,
    }
    expect(noiseSensitivity(lic, 'relevant')?.score).toBeCloseTo(1 / 3, 12)
  })

  it('is null without response statements', () => {
    expect(
      noiseSensitivity({ ...verdicts, responseByChunk: [], responseByReference: [] }, 'relevant'),
    ).toBeNull()
  })
})
