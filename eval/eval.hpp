#pragma once
// eval: how good and how costly answers are. Other modules (report, app, cli, web) include only this
// header. eval -> pipeline (it runs the Answerer and the Generator seam) -> {index, engine}.
//
//   scoring.hpp         SQuAD EM / F1, containment, unanswerable, mean ± standard error
//   summary.hpp         per-mode summaries, the auto goal, Markdown table
//   datasets.hpp        JSONL question sets, SQuAD v1.1, needles, NIAH haystacks
//   evaluator.hpp       the eval loop (mode-major per collection), scored records, the eval JSON document
//   squad_eval.hpp      SQuAD articles as collections: selection that fits the window, ingestion, reuse
//   niah.hpp            the needle-in-a-haystack grid per route in a scratch Library, summaries, JSON
//   retrieval_eval.hpp  retrieval quality on BEIR data (nDCG@10, Recall@100, MRR@10, trec_eval formulae)
#include "eval/datasets.hpp"
#include "eval/evaluator.hpp"
#include "eval/niah.hpp"
#include "eval/retrieval_eval.hpp"
#include "eval/scoring.hpp"
#include "eval/squad_eval.hpp"
#include "eval/summary.hpp"
