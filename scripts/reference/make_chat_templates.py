"""Writes tests/data/engine/chat_templates.json: exact prompt strings rendered with jinja2 from each
GGUF's tokenizer.chat_template (models without one, e.g. the gemma3 base model, are skipped), plus
their llama.cpp token ids (parse_special on, add_bos per the vocab's flag)."""
import os

import llama_cpp

import common

MESSAGE_LISTS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You answer in one word."},
     {"role": "user", "content": "Capital of Italy?"}],
    [{"role": "user", "content": "Hi! Can you help me?"},
     {"role": "assistant", "content": "Of course. What do you need?"},
     {"role": "user", "content": "Translate \"déjà vu\" into English,\nthen explain it in 3 words."}],
]


def main():
    common.quiet_llama()
    out = {"renderer": "jinja2 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True), "
                       "variables messages, add_generation_prompt, bos_token, eos_token (as HF transformers)",
           "versions": common.versions(), "models": {}}
    for name in ("smollm2", "tiny-qwen2", "tiny-qwen3"):
        path = common.MODEL_FILES[name]
        llm = llama_cpp.Llama(path, vocab_only=True, verbose=False)
        vocab = llm._model.vocab
        template = llm.metadata.get("tokenizer.chat_template")
        bos = common.piece_bytes(vocab, llama_cpp.llama_vocab_bos(vocab)).decode("utf-8")
        eos = common.piece_bytes(vocab, llama_cpp.llama_vocab_eos(vocab)).decode("utf-8")
        cases = []
        for messages in MESSAGE_LISTS:
            for agp in (True, False) if len(messages) == 1 else (True,):
                prompt = common.render_chat(template, messages, agp, bos, eos)
                ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
                cases.append({"messages": messages, "add_generation_prompt": agp, "prompt": prompt,
                              "ids": ids})
        out["models"][name] = {"gguf": common.display_path(name), "chat_template": template,
                               "bos_token": bos, "eos_token": eos, "cases": cases}
    common.write_json(os.path.join(common.OUT, "chat_templates.json"), out)


if __name__ == "__main__":
    main()
