#!/usr/bin/env python3
"""Dev tooling (not on the product path): records real SmolLM2-135M outputs, token by token, as fixtures for
the degeneration guard tests. Greedy decoding with llama.cpp over long-context prompts made of Paul Graham
essays reproduces the loops the pipeline must catch ("David Collings David Collings ...").

Usage: /work/cache/refenv/bin/python make_degeneration_fixture.py MODEL.gguf ESSAY_DIR RAW.jsonl
       /work/cache/refenv/bin/python make_degeneration_fixture.py --merge MODEL.gguf RAW.jsonl OUT.jsonl
Each output line: {"name", "question", "tokens": [[id, "piece"], ...], "text"}. Labels ("loop"/"ok") are
added by hand after reading the text, so the test does not inherit this script's judgement.
"""
import json
import sys

from llama_cpp import Llama

ESSAYS = ["todo", "nft", "weird", "foundervisa", "sun", "unions"]
QUESTIONS = [
    "Who wrote these essays?",
    "List all the essays that mention Y Combinator.",
    "What does the author say about unions?",
    "How many essays are there, and what are their titles?",
    "What is the founder visa?",
    "What do weird people have in common?",
    "What regrets do people have at the end of their lives?",
    "What is an NFT good for, according to the author?",
]


def main():
    model, essay_dir, out = sys.argv[1:4]
    llm = Llama(model_path=model, n_ctx=8192, n_threads=1, verbose=False)
    docs = []
    for name in ESSAYS:
        with open(f"{essay_dir}/{name}.txt", encoding="utf-8") as f:
            docs.append(f"## {name}.txt\n{f.read().strip()}")
    context = "\n\n".join(docs)
    with open(out, "w", encoding="utf-8") as f:
        for i, q in enumerate(QUESTIONS):
            prompt = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                      f"{context}\n\nQuestion: {q}<|im_end|>\n<|im_start|>assistant\n")
            ids = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            toks = []
            for tok in llm.generate(ids, temp=0.0, top_k=1, reset=True):
                if tok == llm.token_eos() or len(toks) >= 160:
                    break
                toks.append([int(tok), llm.detokenize([tok]).decode("utf-8", errors="replace")])
            text = "".join(p for _, p in toks)
            f.write(json.dumps({"name": f"smollm2-lc-q{i}", "question": q, "tokens": toks, "text": text}) + "\n")
            f.flush()




# Normal answers (written by hand, shaped like good model output: a list, a table, prose with numbers and
# prices), tokenized with the same model so that the guard sees real ids. Used as "ok" cases.
NORMAL = {
    "list": "Here are the essays that mention startups:\n\n1. \"The Founder Visa\" proposes a visa for "
            "people who start companies in the US.\n2. \"Superangels\" describes angel investors who write "
            "bigger checks than before.\n3. \"Why TV Lost\" argues that the Internet will win over TV.\n"
            "4. \"Startups in 13 Sentences\" lists what matters most.\n5. \"How to Start a Startup\" says "
            "you need good people, something customers want, and little money.\n",
    "table": "| Essay | Year | Topic |\n|-------|------|-------|\n| The Founder Visa | 2009 | immigration |\n"
             "| Weird | 2020 | character |\n| Superangels | 2010 | investing |\n| Unions | 2007 | labor |\n"
             "| NFTs | 2021 | technology |\n| Sun | 2013 | writing |\n| To-do | 2012 | regrets |\n",
    "prose": "The author argues that unions mattered when workers had little power, because employers could "
             "easily replace them. As technology made some workers far more productive than others, the "
             "best of them could get better deals on their own, so unions lost their appeal for them. He "
             "expects the share of workers in unions to keep falling, though not to zero, since jobs where "
             "workers are interchangeable will remain. [C3] He also notes that the decline began in the 1950s.",
    "prices": "Costs per million tokens:\n- Llama 4 Scout: $0.11 input, $0.34 output\n- Llama 4 Maverick: "
              "$0.20 input, $0.60 output\n\nFor a 4,000-token prompt and 100 generated tokens, Scout costs "
              "about $0.00047 and Maverick about $0.00086 per question.\n",
}


def write_fixture(model, raw_path, out):
    """Merges the recorded outputs (all eight were read and loop: label "loop") with the normal answers."""
    llm = Llama(model_path=model, n_ctx=512, vocab_only=True, verbose=False)
    with open(out, "w", encoding="utf-8") as f:
        for line in open(raw_path, encoding="utf-8"):
            d = json.loads(line)
            f.write(json.dumps({"name": d["name"], "label": "loop", "question": d["question"],
                                "tokens": d["tokens"]}) + "\n")
        for name, text in NORMAL.items():
            ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            toks = [[int(t), llm.detokenize([t]).decode("utf-8", errors="replace")] for t in ids]
            f.write(json.dumps({"name": f"normal-{name}", "label": "ok", "tokens": toks}) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "--merge":
        write_fixture(*sys.argv[2:5])
    else:
        main()
