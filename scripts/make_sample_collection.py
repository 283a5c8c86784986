#!/usr/bin/env python3
"""Dev-only: builds examples/sample/ (3 Wikipedia articles from the SQuAD v1.1 dev set, one Markdown file
each, trimmed to their first paragraphs) and examples/sample-questions.jsonl (12 SQuAD questions about the
kept paragraphs with their gold answers, plus 2 unanswerable questions).

    /work/cache/refenv/bin/python scripts/make_sample_collection.py [--squad PATH] [--model GGUF]

With --model it prints the token count of the three files under that model's tokenizer (llama_cpp,
vocab only), so the trimming can be checked against the 2,500-3,000 token goal.
"""
import argparse
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# Article title in SQuAD -> (file name, paragraphs kept, questions taken)
ARTICLES = [
    ("Nikola_Tesla", "nikola_tesla.md", 7, 4),
    ("Amazon_rainforest", "amazon_rainforest.md", 6, 4),
    ("Oxygen", "oxygen.md", 6, 4),
]
UNANSWERABLE = [
    "What was the name of Nikola Tesla's first dog?",
    "How many tourists visit the Amazon rainforest each year according to the article?",
]


def short_answer_questions(paragraph, limit):
    """The paragraph's questions that are well-formed wh-questions with short gold answers, in order."""
    out = []
    for qa in paragraph["qas"]:
        answers = []
        for a in qa["answers"]:
            text = a["text"].strip()
            if text not in answers:
                answers.append(text)
        question = qa["question"].strip()
        wh = question.split()[0].lower() in {"what", "who", "when", "where", "which", "how", "in"}
        if wh and question.endswith("?") and max(len(a.split()) for a in answers) <= 5:
            out.append({"id": qa["id"], "question": qa["question"].strip(), "answers": answers})
        if len(out) >= limit:
            break
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", default="/work/shared/data/squad/dev-v1.1.json")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    with open(args.squad) as f:
        data = {a["title"]: a for a in json.load(f)["data"]}

    sample_dir = os.path.join(ROOT, "examples", "sample")
    os.makedirs(sample_dir, exist_ok=True)
    questions = []
    texts = []
    for title, file_name, keep, n_questions in ARTICLES:
        paragraphs = data[title]["paragraphs"][:keep]
        heading = title.replace("_", " ")
        text = f"# {heading}\n\n" + "\n\n".join(p["context"].strip() for p in paragraphs) + "\n"
        with open(os.path.join(sample_dir, file_name), "w") as f:
            f.write(text)
        texts.append(text)
        # One question from each paragraph in turn, so the questions spread over the kept text.
        per_paragraph = [short_answer_questions(p, n_questions) for p in paragraphs]
        taken = []
        round_ = 0
        while len(taken) < n_questions and any(round_ < len(q) for q in per_paragraph):
            for q in per_paragraph:
                if round_ < len(q) and len(taken) < n_questions:
                    taken.append(q[round_])
            round_ += 1
        questions += taken
        print(f"{file_name}: {len(paragraphs)} paragraphs, {len(text.split())} words, {len(taken)} questions")
    for i, q in enumerate(UNANSWERABLE, start=1):
        questions.append({"id": f"unanswerable-{i}", "question": q, "answers": ["unanswerable"]})
    with open(os.path.join(ROOT, "examples", "sample-questions.jsonl"), "w") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"sample-questions.jsonl: {len(questions)} questions")

    if args.model:
        from llama_cpp import Llama
        llm = Llama(model_path=args.model, vocab_only=True, verbose=False)
        total = sum(len(llm.tokenize(t.encode(), add_bos=False)) for t in texts)
        print(f"tokens under {os.path.basename(args.model)}: {total}")


if __name__ == "__main__":
    main()
