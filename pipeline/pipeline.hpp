#pragma once
// pipeline: answers a question over a collection by long context (lc), retrieval (rag) or auto (RAG first,
// falling back after Self-Route). Other modules (eval, report, app, cli, web) include only this header.
// Dependencies point one way: pipeline -> {index, engine}; a model is reached only through the Generator
// seam (generator.hpp), so a remote backend fits behind it. Evaluation lives in eval/, reports and plots
// in report/.
//
// The parts, each usable on its own:
//   types.hpp            Mode, Route, ContextChunk (a chunk as placed in a prompt)
//   planner.hpp          plan(): route, reason, budgets, memory estimate, every decision recorded
//   prompt.hpp           LC rendering, RAG packing in document order (OP-RAG), chat messages from config
//   generator.hpp        the generation seam, StopMatcher
//   local_generator.hpp  the built-in engine behind the Generator seam (chat, or plain text for base models)
//   degeneration.hpp     the loop / junk detector fed token by token
//   citations.hpp        citations from [C<n>] markers or answer/chunk matching, validated
//   answer_text.hpp      what an answer says: SQuAD normalisation, markers and lead-in removed, declines
//   cost.hpp             hosted Llama 4 Scout / Maverick projections, whole-collection prefill time
//   answer.hpp           Answer / Attempt records, the guarded stream, --json shapes
//   answerer.hpp         Answerer: one question over a collection, from the index to an answer
#include "pipeline/answer.hpp"
#include "pipeline/answer_text.hpp"
#include "pipeline/answerer.hpp"
#include "pipeline/citations.hpp"
#include "pipeline/cost.hpp"
#include "pipeline/degeneration.hpp"
#include "pipeline/generator.hpp"
#include "pipeline/local_generator.hpp"
#include "pipeline/planner.hpp"
#include "pipeline/prompt.hpp"
#include "pipeline/types.hpp"
