import { describe, expect, it } from 'vitest'
import {
  bleu,
  bleuDetail,
  brevityPenalty,
  closestReferenceLength,
  modifiedPrecision,
  tokenize13a,
} from './bleu.js'
import { METRICS } from './registry.js'

const split = (text: string) => text.split(' ')

// The running example of Papineni et al. 2002 (§2.1, Example 1), as used in the docstrings of
// NLTK's nltk/translate/bleu_score.py (sentence_bleu, modified_precision, SmoothingFunction).
const HYP1 =
  'It is a guide to action which ensures that the military always obeys the commands of the party'
const HYP2 = 'It is to insure the troops forever hearing the activity guidebook that party direct'
const REF1 =
  'It is a guide to action that ensures that the military will forever heed Party commands'
const REF2 =
  'It is the guiding principle which guarantees the military forces always being under the command of the Party'
const REF3 = 'It is the practical guide for the army always to heed the directions of the party'
const REFS = [REF1, REF2, REF3]

/** NLTK doctests print with `# doctest: +ELLIPSIS`, i.e. they only pin a printed prefix. */
function expectPrintedPrefix(value: number, prefix: string) {
  expect(String(value).startsWith(prefix), `${value} should print as ${prefix}…`).toBe(true)
}

describe('BLEU against published reference values', () => {
  it('NLTK sentence_bleu doc example: hypothesis1 vs three references = 0.5045666840058485', () => {
    // NLTK docs show 0.5045...; the full repr 0.5045666840058485 is NLTK's printed output
    // quoted in github.com/jojonki/bleu README ("sentence_bleu: 0.5045666840058485").
    const result = bleu(HYP1, REFS)
    expect(result.score).toBeCloseTo(0.5045666840058485, 14)
    expectPrintedPrefix(result.score, '0.5045')
    expect(result.explanation).toBe(
      'BLEU 0.5046: precisions 17/18, 10/17, 7/16, 4/15, brevity penalty 1',
    )
  })

  it('NLTK doc: hypothesis2 has no 3-gram match, so unsmoothed BLEU is 0 and method1 gives 0.0370…', () => {
    expect(bleu(HYP2, REFS).score).toBe(0)
    expect(bleu(HYP2, REFS).explanation).toContain(
      'no matching 3-grams (no smoothing; try method1)',
    )
    const smoothed = bleu(HYP2, REFS, {
      maxOrder: 4,
      smoothing: 'method1',
      epsilon: 0.1,
      tokenizer: 'whitespace',
      lowercase: false,
    })
    expectPrintedPrefix(smoothed.score, '0.0370')
    // Full value from the definition (NLTK method1: p3 = 0.1/12, p4 = 0.1/11; BP = e^(1-16/14)).
    expect(smoothed.score).toBeCloseTo(0.03703131191121491, 14)
  })

  it('NLTK doc: BLEU-5 with uniform weights is 0.3920…', () => {
    const result = bleu(HYP1, REFS, {
      maxOrder: 5,
      smoothing: 'none',
      epsilon: 0.1,
      tokenizer: 'whitespace',
      lowercase: false,
    })
    expectPrintedPrefix(result.score, '0.3920')
  })

  it.each([
    'none',
    'method1',
    'method3',
  ] as const)('NLTK SmoothingFunction doc: hypothesis1 vs reference1 alone is 0.4118… with %s', (smoothing) => {
    const result = bleu(HYP1, [REF1], {
      maxOrder: 4,
      smoothing,
      epsilon: 0.1,
      tokenizer: 'whitespace',
      lowercase: false,
    })
    expectPrintedPrefix(result.score, '0.4118')
    // The same segment scored by Moses' BLEU (pastebin.com/4Gs6Xt9L): 0.41180376356915777.
    expect(result.score).toBeCloseTo(0.41180376356915777, 14)
  })

  it.each([
    // Papineni et al. 2002 §2.1 Example 2 / NLTK modified_precision doctest: 2/7 = 0.2857…
    [
      'the the the the the the the',
      ['the cat is on the mat', 'there is a cat on the mat'],
      1,
      { matches: 2, total: 7 },
    ],
    // Papineni et al. 2002 §2.1: candidate 1 has modified unigram precision 17/18 …
    [HYP1, REFS, 1, { matches: 17, total: 18 }],
    // … candidate 2 has 8/14 …
    [HYP2, REFS, 1, { matches: 8, total: 14 }],
    // … and the bigram precisions are 10/17 (NLTK: 0.5882352941176471) and 1/13 (0.07692…).
    [HYP1, REFS, 2, { matches: 10, total: 17 }],
    [HYP2, REFS, 2, { matches: 1, total: 13 }],
    // NLTK doctest: a reference word is exhausted after it is matched; "of the" scores 1.0.
    ['of the', REFS, 1, { matches: 2, total: 2 }],
    ['of the', REFS, 2, { matches: 1, total: 1 }],
  ])('modified %#: precision of %s (n=%i)', (hyp, refs, n, expected) => {
    expect(modifiedPrecision(split(hyp), refs.map(split), n)).toEqual(expected)
  })

  it.each([
    // NLTK brevity_penalty doctests (the first from the paper, the 0.8668 one from mteval-v13a.pl).
    [[12, 15, 17], 12, 1],
    [[28, 28], 12, 0.2635971381157267],
    [[13, 2], 12, 0.9200444146293233],
    [[13, 11], 12, 1],
    [[11, 13], 12, 1],
    [[11, 8], 7, 0.8668778997501817],
    [[11, 8, 6, 7], 7, 1],
  ])('brevity penalty for reference lengths %j and output length %i is %f', (lengths, hyp, bp) => {
    const refs = lengths.map((length) => Array<string>(length).fill('a'))
    expect(brevityPenalty(closestReferenceLength(refs, hyp), hyp)).toBeCloseTo(bp, 14)
  })

  it('pins the doc prefixes of the two approximate brevity penalties', () => {
    expectPrintedPrefix(brevityPenalty(13, 12), '0.9200')
    expectPrintedPrefix(brevityPenalty(8, 7), '0.8668')
  })
})

describe('BLEU smoothing (Chen & Cherry 2014, as NLTK implements it)', () => {
  const options = (smoothing: 'none' | 'method1' | 'method3') => ({
    maxOrder: 4,
    smoothing,
    epsilon: 0.1,
  })

  it.each([
    // 'the cat sat on the mat' vs 'the cat is on the mat': p = 5/6, 3/5, 1/4, 0/3, BP = 1.
    ['none', 0],
    // method1: p4 = 0.1/3, so BLEU = (5/6 · 3/5 · 1/4 · 0.1/3)^(1/4).
    ['method1', (5 / 6) ** 0.25 * (3 / 5) ** 0.25 * (1 / 4) ** 0.25 * (0.1 / 3) ** 0.25],
    // method3: the first zero precision becomes 1/(2·3).
    ['method3', (5 / 6) ** 0.25 * (3 / 5) ** 0.25 * (1 / 4) ** 0.25 * (1 / 6) ** 0.25],
  ] as const)('%s', (smoothing, expected) => {
    const detail = bleuDetail(
      split('the cat sat on the mat'),
      [split('the cat is on the mat')],
      options(smoothing),
    )
    expect(detail.precisions).toEqual([
      { matches: 5, total: 6 },
      { matches: 3, total: 5 },
      { matches: 1, total: 4 },
      { matches: 0, total: 3 },
    ])
    expect(detail.score).toBeCloseTo(expected, 14)
  })

  it('method3 doubles the denominator for each further zero order (hypothesis2: k=1, 2)', () => {
    const detail = bleuDetail(split(HYP2), REFS.map(split), options('method3'))
    const expected =
      Math.exp(1 - 16 / 14) * ((8 / 14) * (1 / 13) * (1 / (2 * 12)) * (1 / (4 * 11))) ** 0.25
    expect(detail.score).toBeCloseTo(expected, 14)
    expect(detail.score).toBeCloseTo(0.06963003305718092, 14)
  })

  it('an output shorter than 4 tokens counts 0 matches over 1 for the missing orders (NLTK)', () => {
    const tokens = split('the cat sat')
    expect(bleuDetail(tokens, [tokens], options('none')).score).toBe(0)
    expect(bleuDetail(tokens, [tokens], options('method1')).score).toBeCloseTo(0.1 ** 0.25, 14)
    expect(bleuDetail(tokens, [tokens], options('method3')).score).toBeCloseTo(0.5 ** 0.25, 14)
  })

  it('no unigram match is 0 whatever the smoothing', () => {
    for (const smoothing of ['none', 'method1', 'method3'] as const) {
      expect(bleuDetail(split('x y z w'), [split('a b c d')], options(smoothing)).score).toBe(0)
    }
  })
})

describe('13a tokeniser (sacreBLEU tokenizer_13a)', () => {
  it.each([
    ['Hello, world!', ['Hello', ',', 'world', '!']],
    ["It's 3.14 and 10-20.", ["It's", '3.14', 'and', '10', '-', '20', '.']],
    ['state-of-the-art', ['state-of-the-art']],
    ['1,000 people (approx.)', ['1,000', 'people', '(', 'approx', '.', ')']],
    ['&quot;quoted&quot; &amp; <b>', ['"', 'quoted', '"', '&', '<', 'b', '>']],
    ['line one\nline two', ['line', 'one', 'line', 'two']],
    ['hyphen-\nated', ['hyphenated']],
    ['a/b $5 @me #tag', ['a', '/', 'b', '$', '5', '@', 'me', '#', 'tag']],
    ['  ', []],
    ['café 😀!', ['café', '😀', '!']],
  ])('%j', (text, tokens) => {
    expect(tokenize13a(text)).toEqual(tokens)
  })

  it('makes punctuation-attached words match', () => {
    const plain = bleu('the cat sat on the mat.', ['the cat sat on the mat .'])
    expect(plain.score).toBeLessThan(1)
    const create = METRICS.bleu.create({ tokenizer: '13a' })
    if (!create.ok) throw new Error(create.error.message)
    expect(
      create.value({ output: 'the cat sat on the mat.', expected: 'the cat sat on the mat .' })
        .score,
    ).toBe(1)
  })
})

describe('BLEU edge cases', () => {
  it.each([
    ['', 'a b c d', 0, 'BLEU 0: the output has no tokens'],
    ['   \r\n ', 'a b c d', 0, 'BLEU 0: the output has no tokens'],
    ['a b c d', '', 0, 'BLEU 0: no matching 1-grams; precisions 0/4, 0/3, 0/2, 0/1'],
    ['a b c d', 'a b c d', 1, 'BLEU 1: precisions 4/4, 3/3, 2/2, 1/1, brevity penalty 1'],
    ['a b\r\nc d', 'a b c d', 1, 'BLEU 1: precisions 4/4, 3/3, 2/2, 1/1, brevity penalty 1'],
    ['🙂 🙃 😀 😁', '🙂 🙃 😀 😁', 1, 'BLEU 1: precisions 4/4, 3/3, 2/2, 1/1, brevity penalty 1'],
  ])('output %j vs %j', (output, expected, score, explanation) => {
    expect(bleu(output, [expected])).toEqual({ score, explanation })
  })

  it('is case-sensitive unless lowercase is set', () => {
    expect(bleu('A B C D', ['a b c d']).score).toBe(0)
    const create = METRICS.bleu.create({ lowercase: true })
    if (!create.ok) throw new Error(create.error.message)
    expect(create.value({ output: 'A B C D', expected: 'a b c d' }).score).toBe(1)
  })

  it('applies the brevity penalty to a short output', () => {
    const result = bleu('a b c d', ['a b c d e f g h'])
    expect(result.score).toBeCloseTo(Math.exp(1 - 8 / 4), 14)
    expect(result.explanation).toContain('brevity penalty 0.3679')
  })

  it('handles long inputs', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i % 97}`).join(' ')
    expect(bleu(words, [words]).score).toBeCloseTo(1, 12)
  })
})

describe('bleu in the registry', () => {
  it('reads several references from expected (lines and json-array)', () => {
    const lines = METRICS.bleu.create({ references: 'lines' })
    const json = METRICS.bleu.create({ references: 'json-array' })
    if (!lines.ok || !json.ok) throw new Error('create failed')
    const score = lines.value({ output: HYP1, expected: REFS.join('\r\n') }).score
    expect(score).toBeCloseTo(0.5045666840058485, 14)
    expect(json.value({ output: HYP1, expected: JSON.stringify(REFS) }).score).toBe(score)
    expect(json.value({ output: HYP1, expected: 'not json' })).toEqual({
      score: 0,
      explanation: 'expected is not a JSON array of reference strings',
    })
  })

  it.each([
    [{ smoothing: 'method7' }, 'smoothing'],
    [{ maxOrder: 0 }, 'maxOrder'],
    [{ tokenizer: 'moses' }, 'tokenizer'],
    [{ lowercse: true }, 'lowercse'],
  ])('refuses bad params %j', (params, mentioned) => {
    const result = METRICS.bleu.create(params)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_input')
      expect(result.error.message).toContain(mentioned)
    }
  })
})
