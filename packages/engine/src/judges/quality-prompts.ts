/**
 * Prompts of the Quality system evaluators (score 1–5, higher is better). They are shown to
 * users read-only and are the whole task the judge model sees besides the system message and
 * the answer-format section Assay appends; so they say what to judge, what to ignore and what
 * each score means, and never how to format the answer.
 */

export const GROUNDEDNESS_PROMPT = `Evaluate how well the output is grounded in the input.

The input is the material the model was given to work from, for example a document, a conversation or retrieved passages, together with any request. A grounded output says only what the input says or what follows directly from it. It adds no facts, figures, names, dates or claims from anywhere else, even ones that happen to be true, and it does not contradict the input.

How to judge:
- Go through the factual claims the output makes and check each one against the input.
- A claim that is a fair rewording, summary or direct inference of the input is supported.
- A claim that needs outside knowledge, or that changes a detail of the input (a number, a name, a condition), is not supported.
- If the output declines to answer because the input lacks the information, that is grounded.

Ignore:
- whether the output is complete: leaving things out is not a grounding problem;
- whether a claim is true in the real world: only support by the input counts;
- style, grammar, tone and length;
- phrases that make no factual claim ("Here is a summary", "I hope this helps").

Scores:
1 - Not grounded: most of the output's claims are absent from the input or contradict it.
2 - Poorly grounded: some claims are supported, but several important ones are unsupported or contradict the input.
3 - Partly grounded: the main claims are supported, but there are noticeable unsupported additions or a minor contradiction.
4 - Mostly grounded: every important claim is supported; at most a small, unimportant detail goes beyond the input.
5 - Fully grounded: every claim is stated in the input or follows directly from it, and nothing contradicts it.

<input>
{{input}}
</input>

<output>
{{output}}
</output>`

export const QUERY_RELEVANCE_PROMPT = `Evaluate how relevant the output is to the user's query.

The query is what the user asked. The input is the material the model worked from, for example instructions, a document or retrieved passages. A relevant output addresses what the query actually asks, stays on that subject, and draws on the input where the input bears on the query.

How to judge:
- Work out what the query is asking for, including every part of a question with several parts.
- Check whether the output answers that, rather than a neighbouring or more general question.
- Check whether the output stays on the query or fills space with material the query did not ask about.
- If the query cannot be answered from what is available, a clear statement of that, or a focused request for clarification, counts as relevant.

Ignore:
- whether the answer is factually correct, beyond what you need to see that it is on topic;
- style, grammar and formatting;
- length, unless unrelated material crowds out the answer.

Scores:
1 - Irrelevant: the output does not address the query at all, or answers a different question.
2 - Slightly relevant: the output touches on the subject of the query but misses what was asked.
3 - Moderately relevant: the output addresses part of the query, or buries the answer in unrelated material.
4 - Mostly relevant: the output addresses what was asked, with minor digressions or a small part left unaddressed.
5 - Fully relevant: the output directly and completely addresses the query, stays focused, and uses the input where it matters.

<query>
{{query}}
</query>

<input>
{{input}}
</input>

<output>
{{output}}
</output>`

export const GROUND_TRUTH_RELEVANCE_PROMPT = `Evaluate how well the output agrees with the ground truth.

The ground truth is the answer known to be correct for this input. Compare meaning, not wording: an output that says the same thing in other words matches. What matters is whether the key facts, values and conclusions of the ground truth are present in the output, and whether the output contradicts any of them.

How to judge:
- Identify the key points of the ground truth: the facts, values or conclusions that make it the right answer.
- Check each key point: is it present in the output, missing, or contradicted?
- A contradiction of a key point weighs more than an omission.

Ignore:
- style, tone, formatting and length;
- differences of wording, order, units or number format that do not change the meaning (for example "1.5 km" and "1500 metres");
- extra details in the output that are correct and do not contradict the ground truth; do not reward them either;
- whether you personally agree with the ground truth: take it as correct.

Scores:
1 - Wrong: the output contradicts the ground truth on its key point, or is unrelated to it.
2 - Mostly wrong: some minor part agrees with the ground truth, but its key point is wrong or missing.
3 - Partly right: the key point is only partly correct, or correct but alongside a significant error or omission.
4 - Mostly right: the key point matches the ground truth, with a minor omission or inaccuracy.
5 - Fully right: the output conveys the same answer as the ground truth, with no contradiction and no important omission.

<input>
{{input}}
</input>

<ground_truth>
{{ground_truth}}
</ground_truth>

<output>
{{output}}
</output>`

export const COHERENCE_PROMPT = `Evaluate the coherence of the output.

Coherence is how well the output holds together as a whole: its ideas follow one another logically, it is organised in a sensible order, its parts are connected (clear transitions, consistent references to the same things), and it stays consistent with itself from beginning to end.

How to judge:
- Read the whole output and follow its line of thought.
- Look for jumps between unrelated points, abrupt changes of subject, statements that contradict earlier ones, references to things never introduced, and a confusing order.

Ignore:
- whether the content is factually correct or answers any particular question;
- spelling, grammar and word choice, unless they make the text hard to follow (that is fluency);
- length: a short output can be fully coherent;
- formatting, as long as the structure it gives is sensible.

Scores:
1 - Incoherent: a disconnected sequence of statements, or contradictory throughout; no line of thought can be followed.
2 - Mostly incoherent: some ideas are related, but frequent jumps, missing links or contradictions make it hard to follow.
3 - Partly coherent: the main line of thought can be followed, but there are noticeable jumps, abrupt shifts, repetition or a confusing order.
4 - Mostly coherent: logically organised and easy to follow, with only minor lapses in flow or transitions.
5 - Fully coherent: every part follows from what comes before, the structure is clear, and the text is consistent with itself throughout.

<output>
{{output}}
</output>`

export const FLUENCY_PROMPT = `Evaluate the fluency of the output.

Fluency is the quality of the language, sentence by sentence: correct grammar, spelling and punctuation, words used correctly and idiomatically, and sentences that read naturally to a proficient speaker of the language the output is written in.

How to judge:
- Judge the output in the language it is written in.
- Look for grammatical errors, misspellings, wrong or invented words, broken or run-on sentences, awkward or unnatural phrasing, and unintended repetition.
- Weigh errors by how much they disturb reading, not only by how many there are.

Ignore:
- whether the content is correct, relevant or complete;
- how the text is organised as a whole (that is coherence);
- formatting such as lists, headings, tables or code;
- technical terms, names, quotations and deliberately informal register that suits the text.

Scores:
1 - Not fluent: errors are so frequent or severe that the text is very hard or impossible to understand.
2 - Poor: frequent errors and awkward phrasing; the meaning gets through only with effort.
3 - Fair: understandable, but with noticeable errors or unnatural phrasing in several places.
4 - Good: reads well, with only a few minor errors or slightly awkward phrases.
5 - Excellent: grammatical, correctly spelled and natural throughout; it reads as if written by a skilled writer.

<output>
{{output}}
</output>`

export const REFERENCE_SIMILARITY_PROMPT = `Evaluate how similar the output is to the reference output.

Both are answers to the same input. The reference output was written by a stronger model and serves as the benchmark. Compare what the two answers say: the facts, conclusions, steps and recommendations they contain, and whether they answer the input in the same way. Wording, order and formatting do not matter.

How to judge:
- Identify the key points of the reference output.
- Check each one: does the output convey it, leave it out, or say something different?
- Note anything in the output that contradicts the reference or replaces one of its key points.

Ignore:
- style, tone, formatting and length;
- extra content in the output that neither contradicts the reference nor replaces one of its key points; do not reward it either;
- whether the reference itself is correct: take it as the benchmark.

Scores:
1 - Completely different: the output answers differently from the reference, or contradicts it on its key points.
2 - Slightly similar: a few points in common, but most key points of the reference are missing or different.
3 - Moderately similar: about half of the key points match; others are missing or different.
4 - Very similar: nearly all key points match; a minor point is missing or differs slightly.
5 - Equivalent: the output conveys the same information and conclusions as the reference, with nothing important missing or different.

<input>
{{input}}
</input>

<reference_output>
{{reference_output}}
</reference_output>

<output>
{{output}}
</output>`

export const PARAPHRASING_PROMPT = `Evaluate how well the output paraphrases the input.

A good paraphrase keeps the complete meaning of the input (every fact, nuance, condition and intention) and adds nothing, while expressing it in clearly different words and sentence structure. Both halves matter: copying the input nearly word for word is not paraphrasing, and rewording that changes, drops or adds meaning is not a faithful paraphrase.

How to judge:
- Compare the meaning: list what the input says and check that the output says all of it and nothing more.
- Compare the form: how much of the wording and sentence structure is new?
- A loss or change of meaning weighs more than too little rewording.

Ignore:
- whether the input itself is correct;
- small differences in length;
- names, numbers and technical terms that stay unchanged: they may be kept as they are;
- small changes of register, as long as the meaning is the same.

Scores:
1 - Not a paraphrase: the meaning is substantially changed or lost, or the output is unrelated to the input.
2 - Poor: part of the meaning is kept, but important content is changed, missing or added; or the input is copied almost verbatim.
3 - Fair: the main meaning is kept, but some details or nuances are lost or altered; or large parts are copied with little rewording.
4 - Good: the meaning is fully kept, with at most a slight shift in nuance, and the wording is mostly new.
5 - Excellent: the meaning is fully and exactly kept, and it is expressed in clearly different words and structure.

<input>
{{input}}
</input>

<output>
{{output}}
</output>`

export const COMPLETENESS_PROMPT = `Evaluate how complete the output is with respect to the input.

First work out everything the input calls for: each question and sub-question, each instruction or requirement and, when the task is to summarise, translate, rewrite or extract, each key point of the input's content. Then check how much of it the output covers. A complete output leaves out nothing that matters.

How to judge:
- Make a list of what the input calls for, and mark each item as covered, partly covered or missing.
- An item counts as covered only if the output actually addresses it; merely mentioning it is not enough.
- Weigh items by importance: a missing main point weighs more than a missing detail.

Ignore:
- the correctness of what is covered, beyond whether it actually addresses the item;
- style, grammar and formatting;
- extra content beyond what the input calls for; do not reward it;
- minor details the task does not need, which may be left out without penalty.

Scores:
1 - Very incomplete: most of what the input calls for is missing.
2 - Largely incomplete: several important parts are missing.
3 - Partly complete: the main part is covered, but some important parts are missing.
4 - Mostly complete: every important part is covered; only minor details are missing.
5 - Complete: everything the input calls for is covered.

<input>
{{input}}
</input>

<output>
{{output}}
</output>`
