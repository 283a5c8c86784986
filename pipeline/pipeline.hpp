#pragma once
// pipeline: answers a question over a collection by long context (lc), retrieval (rag) or auto (RAG first,
// falling back after Self-Route), and measures quality and cost. Other modules (cli, web) include only this
// header. Dependencies point one way: pipeline -> {index, engine}; a model is reached only through the
// Generator seam (generator.hpp), so a remote backend fits behind it.
//
// The parts, each usable on its own:
//   types.hpp         Mode, Route, ContextChunk (a chunk as placed in a prompt)
//   planner.hpp       plan(): route, reason, budgets, memory estimate, every decision recorded
//   prompt.hpp        LC rendering, RAG packing in document order (OP-RAG), chat messages from config
//   generator.hpp     the generation seam, StopMatcher; local_generator.hpp declares the engine backend
//   degeneration.hpp  the loop / junk detector fed token by token
//   citations.hpp     citations from [C<n>] markers or answer/chunk matching, validated
//   answer.hpp        Answer / Attempt records, the guarded stream, --json shapes
//   answerer.hpp      Answerer: one question over a collection, index to stored run (ask, compare)
//   local_generator.hpp  the built-in engine behind the Generator seam (chat, or plain text for base models)
//   scoring.hpp       SQuAD EM / F1, containment, unanswerable, mean ± standard error
//   eval.hpp          per-mode summaries, the auto goal, Markdown table
//   evaluator.hpp     the eval loop (mode-major per collection), scored records, the eval JSON document
//   squad_eval.hpp    SQuAD articles as collections: selection that fits the window, ingestion, reuse
//   datasets.hpp      JSONL question sets, SQuAD v1.1, needles, NIAH haystacks
//   cost.hpp          hosted Llama 4 Scout / Maverick projections, whole-collection prefill time
//   plot.hpp          NIAH heat maps and accuracy bar charts (Cairo, SVG / PNG)
//   niah.hpp          the needle-in-a-haystack grid per route in a scratch Library, summaries, JSON
//   report.hpp        runs rendered to Markdown and self-contained HTML with their plots
#include "pipeline/answer.hpp"
#include "pipeline/answerer.hpp"
#include "pipeline/citations.hpp"
#include "pipeline/cost.hpp"
#include "pipeline/datasets.hpp"
#include "pipeline/degeneration.hpp"
#include "pipeline/eval.hpp"
#include "pipeline/evaluator.hpp"
#include "pipeline/generator.hpp"
#include "pipeline/local_generator.hpp"
#include "pipeline/niah.hpp"
#include "pipeline/planner.hpp"
#include "pipeline/plot.hpp"
#include "pipeline/prompt.hpp"
#include "pipeline/report.hpp"
#include "pipeline/scoring.hpp"
#include "pipeline/squad_eval.hpp"
#include "pipeline/types.hpp"
