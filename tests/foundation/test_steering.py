from __future__ import annotations

import pytest
import torch

from secsteer.activations.read import read_activations
from secsteer.generation.generate import GenerationConfig, generate
from secsteer.steering.apply import Steering, steer
from tests.foundation.helpers import cached_step, random_vector

PROMPTS = ["def read_file(path):\n", "cur.execute(", "char buf[16];\nstrcpy("]


def _gen(model, tokenizer, prompts, n=8, **kw):
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    return model.generate(**batch, max_new_tokens=n, do_sample=False, pad_token_id=0,
                          output_logits=True, return_dict_in_generate=True, **kw)


def _left(tokenizer):
    tokenizer.padding_side = "left"
    return tokenizer


def hook_count(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


# transformers 5 itself leaves capture hooks after an output_hidden_states call: compare counts, not zero
BASE_HOOKS: dict[int, int] = {}


def no_hooks(model) -> bool:
    return hook_count(model) == BASE_HOOKS.setdefault(id(model), hook_count(model))


def test_scale_zero_equals_no_steering_token_for_token(arch_model, tokenizer):
    tok = _left(tokenizer)
    assert no_hooks(arch_model)
    base = _gen(arch_model, tok, PROMPTS)
    with steer(arch_model, random_vector(arch_model, [0, 2]), scale=0.0):
        zero = _gen(arch_model, tok, PROMPTS)
    assert torch.equal(base.sequences, zero.sequences)
    assert no_hooks(arch_model)


def test_generated_positions_leave_prompt_logits_and_change_later_steps(arch_model, tokenizer):
    tok = _left(tokenizer)
    v = random_vector(arch_model, [1, 2], norm=4.0)
    base = _gen(arch_model, tok, PROMPTS[:1])
    with steer(arch_model, v, scale=1.0, positions="generated"):
        gen = _gen(arch_model, tok, PROMPTS[:1])
    assert torch.equal(gen.logits[0], base.logits[0])           # step 0 comes from the prompt pass
    with steer(arch_model, v, scale=1.0, positions="all"):
        every = _gen(arch_model, tok, PROMPTS[:1])
    assert not torch.allclose(every.logits[0], base.logits[0])   # prompt steered too
    # feed the baseline's own tokens so the steps compare like with like
    forced = base.sequences
    ids = forced[:, :-1]
    with torch.no_grad():
        plain = arch_model(ids).logits
    n_prompt = tok(PROMPTS[:1], return_tensors="pt").input_ids.shape[1]
    with steer(arch_model, v, scale=1.0, positions="generated"), torch.no_grad():
        out = arch_model(ids[:, :n_prompt], use_cache=True)
        cache = out.past_key_values
        step = cached_step(arch_model, ids[:, n_prompt:n_prompt + 1], cache).logits
    torch.testing.assert_close(out.logits, plain[:, :n_prompt], atol=1e-5, rtol=1e-5)   # prompt untouched
    assert (step[0, -1] - plain[0, n_prompt]).abs().max() > 1e-2   # a cached decoding step is steered


def test_prompt_positions_steer_only_the_prompt_pass(qwen, tokenizer):
    tok = _left(tokenizer)
    v = random_vector(qwen, [1], norm=4.0)
    base = _gen(qwen, tok, PROMPTS[:1])
    with steer(qwen, v, scale=1.0, positions="prompt"):
        prompt_only = _gen(qwen, tok, PROMPTS[:1])
    assert not torch.allclose(prompt_only.logits[0], base.logits[0])
    # ... and only the prompt: after the same steered prompt pass, a cached step with no hook at all
    # gives the logits that generate() saw at step 1
    n_prompt = tok(PROMPTS[:1], return_tensors="pt").input_ids.shape[1]
    ids = prompt_only.sequences
    with torch.no_grad():
        with steer(qwen, v, scale=1.0, positions="all"):
            cache = qwen(ids[:, :n_prompt], use_cache=True).past_key_values
        step = cached_step(qwen, ids[:, n_prompt:n_prompt + 1], cache).logits
    torch.testing.assert_close(step[0, -1], prompt_only.logits[1][0], atol=1e-4, rtol=1e-4)


def test_per_row_scales_equal_separate_runs(arch_model, tokenizer):
    tok = _left(tokenizer)
    v = random_vector(arch_model, [1, 3], norm=3.0)
    scales = [0.0, 0.5, 2.0]
    prompts = [PROMPTS[1]] * 3
    with steer(arch_model, v, scale=scales):
        together = _gen(arch_model, tok, prompts)
    for row, s in enumerate(scales):
        with steer(arch_model, v, scale=s):
            alone = _gen(arch_model, tok, [prompts[row]])
        assert torch.equal(together.sequences[row], alone.sequences[0])
        for step in range(len(alone.logits)):
            torch.testing.assert_close(together.logits[step][row], alone.logits[step][0], atol=1e-4, rtol=1e-4)


def test_generate_row_scales_match_separate_generate_calls(qwen, tokenizer):
    v = random_vector(qwen, [1, 2], norm=3.0)
    cfg = GenerationConfig(max_new_tokens=6, batch_size=4)
    prompts = PROMPTS[:2] * 2
    steering = Steering(vector=v, layers=(1, 2), scale=1.0)
    mixed = generate(qwen, tokenizer, prompts, cfg, steering=steering, row_scales=[0.0, 0.0, 1.5, 1.5])
    plain = generate(qwen, tokenizer, PROMPTS[:2], cfg)
    strong = generate(qwen, tokenizer, PROMPTS[:2], cfg, steering=Steering(v, (1, 2), 1.5))
    assert mixed == plain + strong
    assert strong != plain   # the vector does something at this scale


def test_scale_two_equals_vector_scaled_by_two(qwen, tokenizer):
    tok = _left(tokenizer)
    v = random_vector(qwen, [2], norm=2.0)
    with steer(qwen, v, scale=2.0, relative=False):
        a = _gen(qwen, tok, PROMPTS)
    with steer(qwen, v.scaled(2.0), scale=1.0, relative=False):
        b = _gen(qwen, tok, PROMPTS)
    assert torch.equal(a.sequences, b.sequences)


def test_only_the_target_layer_and_later_change(qwen, tokenizer):
    v = random_vector(qwen, [2], norm=5.0)
    base = read_activations(qwen, tokenizer, PROMPTS)
    with steer(qwen, v, scale=1.0):
        steered = read_activations(qwen, tokenizer, PROMPTS)
    torch.testing.assert_close(steered.pooled[1], base.pooled[1])
    assert not torch.allclose(steered.pooled[2], base.pooled[2])
    # the added delta is exactly scale * norm * unit at the target layer (mean over tokens commutes)
    torch.testing.assert_close(steered.pooled[2] - base.pooled[2],
                               (5.0 * v.unit(2)).expand(3, -1), atol=1e-4, rtol=1e-4)


def test_hooks_removed_after_exception(qwen):
    v = random_vector(qwen, [0, 1])
    assert no_hooks(qwen)   # records the count before steering
    with pytest.raises(RuntimeError, match="boom"), steer(qwen, v, scale=1.0):
        assert not no_hooks(qwen)
        raise RuntimeError("boom")
    assert no_hooks(qwen)


def test_bad_arguments_register_nothing(qwen):
    v = random_vector(qwen, [0, 1])
    assert no_hooks(qwen)
    with pytest.raises(ValueError, match="no direction for layer 3"), steer(qwen, v, layers=[0, 3]):
        pass
    with pytest.raises(ValueError, match="out of range"), steer(qwen, v, layers=[7]):
        pass
    with pytest.raises(ValueError, match="positions must be one of"), steer(qwen, v, positions="middle"):
        pass
    with pytest.raises(ValueError, match="NaN"), steer(qwen, v, scale=float("nan")):
        pass
    assert no_hooks(qwen)


def test_per_row_scale_count_must_match_batch(qwen, tokenizer):
    v = random_vector(qwen, [0])
    assert no_hooks(qwen)
    with pytest.raises(ValueError, match="per-row scales give 2 rows but the batch has 3"), \
            steer(qwen, v, scale=[1.0, 2.0]):
        qwen(**tokenizer(PROMPTS, return_tensors="pt", padding=True))
    assert no_hooks(qwen)


def test_encode_left_adds_bos_once(tokenizer):
    """A tokenizer that prepends BOS must not prepend it again to a chat-templated prompt that starts with it."""
    from tokenizers.processors import TemplateProcessing

    from secsteer.generation.generate import encode_left

    tok = tokenizer.__class__(tokenizer_object=tokenizer.backend_tokenizer.__class__.from_str(
        tokenizer.backend_tokenizer.to_str()), eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tok.add_special_tokens({"bos_token": "<s>"})
    bos = tok.bos_token_id
    tok.backend_tokenizer.post_processor = TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    plain = encode_left(tok, ["def f():\n"], torch.device("cpu"))["input_ids"][0].tolist()
    templated = encode_left(tok, ["<s>def f():\n"], torch.device("cpu"))["input_ids"][0].tolist()
    assert plain[0] == bos and plain.count(bos) == 1
    assert templated == plain


@pytest.mark.parametrize("name", ["cache", "past_key_values"])
def test_call_state_reads_the_cache_under_either_keyword(name):
    # transformers renamed the forward keyword past_key_values -> cache; "generated" must see both
    from transformers import DynamicCache

    from secsteer.steering.hooks import CallState

    cache = DynamicCache()
    cache.update(torch.zeros(1, 2, 7, 4), torch.zeros(1, 2, 7, 4), 0)
    state = CallState()
    state.pre_hook(None, (), {"input_ids": torch.zeros(1, 7, dtype=torch.long), name: None})
    assert (state.start, state.prompt_len) == (0, 7)
    state.pre_hook(None, (), {"input_ids": torch.zeros(1, 1, dtype=torch.long), name: cache})
    assert state.start == 7 and state.generated_step == 0
