import { describe, expect, it } from 'vitest'
import { METRICS } from './registry.js'
import { lcsLength, rougeL, rougeLDetail, rougeTokens } from './rouge-l.js'

const detail = (output: string, reference: string, beta = 1) =>
  rougeLDetail(rougeTokens(output), rougeTokens(reference), beta)

describe('ROUGE-L against published reference values', () => {
  it('rouge-score README example (target first, prediction second in scorer.score)', () => {
    // The example call of github.com/google-research/google-research/blob/master/rouge/README.md
    // (the README shows no output). rouge-score returns rougeL precision 0.625, recall
    // 0.5555555555555556, fmeasure 0.5882352941176471: LCS "the quick brown jumps the" = 5
    // of 8 prediction and 9 target tokens (Porter stemming changes nothing here).
    const d = detail(
      'The quick brown dog jumps on the log.',
      'The quick brown fox jumps over the lazy dog',
    )
    expect(d.lcs).toBe(5)
    expect(d.precision).toBe(0.625)
    expect(d.recall).toBeCloseTo(0.5555555555555556, 15)
    expect(d.fmeasure).toBeCloseTo(0.5882352941176471, 15)
  })

  it.each([
    // Lin 2004, "ROUGE: A Package for Automatic Evaluation of Summaries", §3.1.1: with S1 as
    // the reference, "S2 has a ROUGE-L score of 3/4 = 0.75 and S3 has a ROUGE-L score of
    // 2/4 = 0.5, with β = 1" (S2 and S3 have the same ROUGE-2 score).
    ['police kill the gunman', 3, 0.75],
    ['the gunman kill police', 2, 0.5],
  ])('Lin 2004 §3.1.1: %j vs S1 "police killed the gunman"', (candidate, lcs, score) => {
    const d = detail(candidate, 'police killed the gunman')
    expect(d.lcs).toBe(lcs)
    expect(d.fmeasure).toBe(score)
  })

  // rouge-score's rouge_scorer_test.py, testRougeLAgainstRouge155: the first two lines of
  // rouge/testdata/target.txt and prediction.txt, "ground truth" from runs of ROUGE-1.5.5.
  const T0 =
    "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L"
  const P0 = "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi"
  const T1 =
    "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN"
  const P1 =
    "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD"
  it.each([
    [P0, T0, 0.40741, 0.6875, 0.51163],
    [P1, T1, 0.40476, 0.65385, 0.5],
  ])('rouge-score test vs ROUGE-1.5.5 #%#', (prediction, target, recall, precision, f) => {
    const d = detail(prediction, target)
    expect(d.recall).toBeCloseTo(recall, 5)
    expect(d.precision).toBeCloseTo(precision, 5)
    expect(d.fmeasure).toBeCloseTo(f, 5)
  })

  it.each([
    // rouge_scorer_test.py testRougeLConsecutive / testRougeLNonConsecutive.
    ['testing one', 1, 2 / 3, 4 / 5],
    ['testing two', 1, 2 / 3, 4 / 5],
  ])('rouge-score unit test: %j vs "testing one two"', (prediction, p, r, f) => {
    expect(detail(prediction, 'testing one two')).toMatchObject({ precision: p, recall: r })
    expect(detail(prediction, 'testing one two').fmeasure).toBeCloseTo(f, 15)
  })
})

describe('rouge-score tokenisation', () => {
  it.each([
    [
      'The quick brown dog jumps on the log.',
      ['the', 'quick', 'brown', 'dog', 'jumps', 'on', 'the', 'log'],
    ],
    ["don't stop-believing", ['don', 't', 'stop', 'believing']],
    ['café naïve', ['caf', 'na', 've']],
    ['日本語のテキスト', []],
    ['line1\r\nline2\ttab', ['line1', 'line2', 'tab']],
    ['😀 emoji 😀', ['emoji']],
    ['', []],
  ])('%j', (text, tokens) => {
    expect(rougeTokens(text)).toEqual(tokens)
  })

  it('the unicode tokeniser keeps letters of every script', () => {
    expect(rougeTokens('café naïve 東京', 'unicode')).toEqual(['café', 'naïve', '東京'])
  })
})

describe('ROUGE-L computation', () => {
  it.each([
    [[1, 2, 3, 4, 5], [2, 5, 3, 4], 3], // rouge_scorer_test.py testLcsTable
    [[1, 2, 3, 4, 5], [8, 9], 0],
    [[], [1], 0],
    [['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a'], 4], // CLRS 15.4
  ])('LCS of %j and %j is %i', (a, b, expected) => {
    const strings = (xs: readonly (number | string)[]) => xs.map(String)
    expect(lcsLength(strings(a), strings(b))).toBe(expected)
    expect(lcsLength(strings(b), strings(a))).toBe(expected)
  })

  it('beta weighs recall: F = (1+β²)RP / (R + β²P)', () => {
    // S2 against S1 with a longer candidate: R = 3/4, P = 3/6.
    const d = detail('police kill the gunman at dawn', 'police killed the gunman', 2)
    const r = 3 / 4
    const p = 3 / 6
    expect(d.fmeasure).toBeCloseTo((5 * r * p) / (r + 4 * p), 15)
  })

  it.each([
    ['', 'a b', 0, "ROUGE-L 0: the output has no word tokens: ''"],
    ['...', 'a b', 0, "ROUGE-L 0: the output has no word tokens: '...'"],
    ['a b', '', 0, 'ROUGE-L 0: LCS 0, precision 0, recall 0'],
    ['a b', 'a b', 1, 'ROUGE-L 1: LCS 2, precision 1, recall 1'],
    ['A\r\nB', 'a b', 1, 'ROUGE-L 1: LCS 2, precision 1, recall 1'],
  ])('output %j vs %j', (output, reference, score, explanation) => {
    expect(rougeL(output, [reference])).toEqual({ score, explanation })
  })

  it('takes the best reference', () => {
    const result = rougeL('police kill the gunman', [
      'the gunman kill police',
      'police killed the gunman',
    ])
    expect(result.score).toBe(0.75)
    expect(result.explanation).toBe(
      'ROUGE-L 0.75: LCS 3, precision 0.75, recall 0.75 (best of 2 references: #2)',
    )
  })

  it('handles long inputs', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i % 50}`)
    const a = words.join(' ')
    const b = words.slice(1).join(' ')
    const d = detail(a, b)
    expect(d.lcs).toBe(2999)
  })
})

describe('rouge-l in the registry', () => {
  it('defaults to beta 1 and reads output and expected', () => {
    const made = METRICS['rouge-l'].create()
    if (!made.ok) throw new Error(made.error.message)
    expect(
      made.value({ output: 'police kill the gunman', expected: 'police killed the gunman' }),
    ).toEqual({
      score: 0.75,
      explanation: 'ROUGE-L 0.75: LCS 3, precision 0.75, recall 0.75',
    })
    expect(METRICS['rouge-l'].variables).toEqual(['output', 'expected'])
    expect(METRICS['rouge-l'].scale).toBe('ratio')
  })

  it.each([[{ beta: 0 }], [{ beta: -1 }], [{ tokenizer: 'porter' }]])('refuses %j', (params) => {
    const made = METRICS['rouge-l'].create(params)
    expect(made.ok).toBe(false)
  })
})
