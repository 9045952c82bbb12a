import type { ResponseSchema } from '../types.js'

/**
 * The model steps the RAG metrics are built from. Each step has its own prompt template, JSON
 * schema and answer-format section; the metrics (faithfulness.ts, …) chain them and apply the
 * RAGAS formula. The prompts are ours, written after the instructions of the RAGAS prompts
 * (explodinggradients/ragas, `src/ragas/metrics/collections/<metric>/util.py`): statement generation,
 * NLI statement verification, context usefulness, context-recall classification and entity
 * extraction.
 *
 * Template placeholders are the step's `inputs`. Some are column values (`{{user_input}}`),
 * others values Assay derives (`{{statements}}`, one `{{context}}` chunk); each metric says which.
 */
export type RagStepId = 'statements' | 'verdicts' | 'usefulness' | 'attribution' | 'entities'

export type RagStep = {
  id: RagStepId
  title: string
  template: string
  inputs: readonly string[]
  responseSchema: ResponseSchema
  /** The answer's shape on one line, quoted in `instructions` and in the re-ask. */
  shape: string
  /** The answer-format section appended to the rendered template. */
  instructions: string
}

function instructions(shape: string, note: string): string {
  return [
    '# Answer format',
    'Answer with a single JSON object of this shape (placeholders in angle brackets):',
    shape,
    note,
    'Answer with the JSON object only: no code fence, no text before or after it.',
  ].join('\n')
}

const BINARY = { type: 'integer', enum: [0, 1] } as const

function objectSchema(properties: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  }
}

const STRING_LIST = { type: 'array', items: { type: 'string' } } as const

const STATEMENTS_SHAPE = '{"statements": ["<statement>", "<statement>"]}'

export const STATEMENTS_STEP: RagStep = {
  id: 'statements',
  title: 'Break the answer into statements',
  inputs: ['user_input', 'text'],
  template: `Break the answer below into statements.

A statement is one self-contained claim that can be checked as true or false on its own.
- Split each sentence of the answer into as many statements as it makes claims; a simple sentence may be one statement.
- Make every statement understandable without the rest of the answer: replace pronouns and vague references ("he", "it", "this company") with what they refer to, using the question where needed.
- Keep the answer's meaning exactly: do not add information, do not correct mistakes, do not merge separate claims.
- Leave out text that makes no claim: greetings, filler, questions to the user, remarks about being an assistant.
- If the answer makes no claim at all (for example it only declines to answer), give an empty list.

<question>
{{user_input}}
</question>

<answer>
{{text}}
</answer>`,
  responseSchema: { name: 'rag_statements', schema: objectSchema({ statements: STRING_LIST }) },
  shape: STATEMENTS_SHAPE,
  instructions: instructions(
    STATEMENTS_SHAPE,
    'Give the statements in the order the answer makes them; use an empty list if there are none.',
  ),
}

const VERDICTS_SHAPE =
  '{"verdicts": [{"statement": "<statement, copied>", "reason": "<why>", "verdict": <1 or 0>}]}'

export const VERDICTS_STEP: RagStep = {
  id: 'verdicts',
  title: 'Check each statement against the context',
  inputs: ['context', 'statements'],
  template: `Judge each numbered statement below against the context.

For each statement, decide whether it can be directly inferred from the context:
- verdict 1: the context states it, or it follows directly from what the context states;
- verdict 0: the context does not say it, says something different, or it would need outside knowledge or guesswork.
Use only the context, not your own knowledge, even when you know a statement to be true.

<context>
{{context}}
</context>

<statements>
{{statements}}
</statements>`,
  responseSchema: {
    name: 'rag_verdicts',
    schema: objectSchema({
      verdicts: {
        type: 'array',
        items: objectSchema({
          statement: { type: 'string' },
          reason: { type: 'string' },
          verdict: BINARY,
        }),
      },
    }),
  },
  shape: VERDICTS_SHAPE,
  instructions: instructions(
    VERDICTS_SHAPE,
    'Give exactly one verdict per statement, in the order of the statements, each with a short reason written before it.',
  ),
}

const USEFULNESS_SHAPE = '{"reason": "<why>", "verdict": <1 or 0>}'

export const USEFULNESS_STEP: RagStep = {
  id: 'usefulness',
  title: 'Decide whether each retrieved chunk was useful',
  inputs: ['user_input', 'response', 'context'],
  template: `Decide whether the context below was useful in arriving at the answer to the question.

- verdict 1: the context contains information that the answer uses or that supports what the answer says in reply to the question;
- verdict 0: the context is off-topic, or contains nothing the answer relies on.
Judge this context on its own; other contexts may have been retrieved as well.

<question>
{{user_input}}
</question>

<answer>
{{response}}
</answer>

<context>
{{context}}
</context>`,
  responseSchema: {
    name: 'rag_usefulness',
    schema: objectSchema({ reason: { type: 'string' }, verdict: BINARY }),
  },
  shape: USEFULNESS_SHAPE,
  instructions: instructions(USEFULNESS_SHAPE, 'Write the reason first, then the verdict.'),
}

const ATTRIBUTION_SHAPE =
  '{"classifications": [{"statement": "<statement>", "reason": "<why>", "attributed": <1 or 0>}]}'

export const ATTRIBUTION_STEP: RagStep = {
  id: 'attribution',
  title: 'Attribute each statement of the reference to the context',
  inputs: ['user_input', 'retrieved_contexts', 'ground_truth'],
  template: `Break the reference answer below into statements and decide, for each one, whether it can be attributed to the retrieved context.

- A statement is one self-contained claim of the reference; split sentences that make several claims, and replace pronouns with what they refer to.
- attributed 1: the context contains the information of the statement, stated or directly implied;
- attributed 0: the context does not contain it, or contradicts it.
Use only the context, not your own knowledge. Cover every claim of the reference.

<question>
{{user_input}}
</question>

<context>
{{retrieved_contexts}}
</context>

<reference>
{{ground_truth}}
</reference>`,
  responseSchema: {
    name: 'rag_attribution',
    schema: objectSchema({
      classifications: {
        type: 'array',
        items: objectSchema({
          statement: { type: 'string' },
          reason: { type: 'string' },
          attributed: BINARY,
        }),
      },
    }),
  },
  shape: ATTRIBUTION_SHAPE,
  instructions: instructions(
    ATTRIBUTION_SHAPE,
    'Give one classification per statement of the reference, in order, each with a short reason written before it.',
  ),
}

const ENTITIES_SHAPE = '{"entities": ["<entity>", "<entity>"]}'

export const ENTITIES_STEP: RagStep = {
  id: 'entities',
  title: 'Extract the named entities',
  inputs: ['text'],
  template: `List the named entities in the text below.

Entities are people, organisations, places, dates and times, quantities and amounts of money, events, products, works, and other proper nouns.
- List each entity once, even if the text mentions it several times or in different forms; use its most complete form.
- Copy each entity as it is written in the text; do not translate, explain or add entities that are not in the text.
- If there are none, give an empty list.

<text>
{{text}}
</text>`,
  responseSchema: { name: 'rag_entities', schema: objectSchema({ entities: STRING_LIST }) },
  shape: ENTITIES_SHAPE,
  instructions: instructions(ENTITIES_SHAPE, 'Use an empty list if there are no entities.'),
}
