"""Turn a code prefix (and an optional instruction) into the text a model continues."""

from __future__ import annotations

from typing import Any, Literal

PromptMode = Literal["auto", "completion", "chat"]
FENCE_LANG = {"python": "python", "c": "c", "cpp": "cpp", "javascript": "javascript", "go": "go", "java": "java"}


def uses_chat(tokenizer: Any, mode: PromptMode) -> bool:
    if mode == "auto":
        return bool(getattr(tokenizer, "chat_template", None))
    return mode == "chat"


def build_prompt(
    tokenizer: Any,
    code: str,
    instruction: str | None = None,
    language: str = "python",
    mode: PromptMode = "auto",
    user: str | None = None,
) -> str:
    """The model-ready text. Chat models get the task as a user turn (`user`, or one made from the
    instruction and the code) and the code prefix already opened in their answer's code block, so that
    chat and completion models continue the same code and their output assembles the same way."""
    if not uses_chat(tokenizer, mode):
        return code
    task = instruction or "Complete the following code."
    fence = FENCE_LANG.get(language, language)
    user = user or f"{task}\n\n```{fence}\n{code}\n```"
    messages = [{"role": "user", "content": user}]
    head = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return f"{head}```{fence}\n{code}"


def scenario_prompt(tokenizer: Any, scenario: Any, mode: str, chat: bool) -> str:
    """A scenario's model-ready text: its chat user turn for a chat model, its code for a completion model."""
    user = scenario.chat_prompt() if chat else None
    return build_prompt(tokenizer, scenario.prompt, scenario.instruction, scenario.language, mode, user)  # type: ignore[arg-type]


def default_stops(chat: bool) -> tuple[str, ...]:
    return ("```",) if chat else ()


def truncate_at_stop(text: str, stops: tuple[str, ...]) -> str:
    cut = len(text)
    for stop in stops:
        index = text.find(stop)
        if index != -1:
            cut = min(cut, index)
    return text[:cut]
