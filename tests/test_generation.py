"""Batched generation: length-sorted batches give the same texts as one-by-one decoding, in input order."""

from __future__ import annotations

import pytest
import torch

from ada_t5.generation import GenerationSettings, autocast_context, generate_sharded, generate_texts
from ada_t5.modeling import build_model, set_generation_defaults


@pytest.fixture(scope="module")
def tiny_model(demo_tokenizer):
    model = build_model(demo_tokenizer, model_shape="tiny", seed=3)
    set_generation_defaults(model, max_new_tokens=12)
    return model


def test_sorted_batches_restore_input_order(tiny_model, demo_tokenizer, demo_splits):
    sources = list(demo_splits["validation"]["smiles"][:11])
    settings = GenerationSettings(max_new_tokens=12, batch_size=4)
    batched = generate_texts(tiny_model, demo_tokenizer, sources, settings, progress=False)
    one_by_one = [generate_texts(tiny_model, demo_tokenizer, [s], settings, progress=False)[0] for s in sources]
    assert batched == one_by_one
    assert len({tuple(x) for x in batched}) > 1  # different inputs, different outputs: order matters


def test_several_sequences_per_source_and_empty_input(tiny_model, demo_tokenizer):
    settings = GenerationSettings(max_new_tokens=6, num_beams=3, num_return_sequences=3, batch_size=2)
    out = generate_texts(tiny_model, demo_tokenizer, ["CCO", "c1ccccc1", "CC(=O)O"], settings, progress=False)
    assert [len(x) for x in out] == [3, 3, 3]
    assert generate_texts(tiny_model, demo_tokenizer, [], settings, progress=False) == []


def test_generation_leaves_training_mode_alone(tiny_model, demo_tokenizer):
    tiny_model.train()
    generate_texts(tiny_model, demo_tokenizer, ["CCO"], GenerationSettings(max_new_tokens=2), progress=False)
    assert tiny_model.training
    tiny_model.eval()


def test_single_process_sharding_is_plain_generation(tiny_model, demo_tokenizer):
    settings = GenerationSettings(max_new_tokens=5, batch_size=2)
    sources = ["CCO", "CCN", "CCCl"]
    assert generate_sharded(tiny_model, demo_tokenizer, sources, settings, progress=False) == \
        generate_texts(tiny_model, demo_tokenizer, sources, settings, progress=False)


def test_autocast_choices():
    cpu = torch.device("cpu")
    assert autocast_context(cpu, "auto").__class__.__name__ == "nullcontext"  # fp32 on CPUs
    assert isinstance(autocast_context(cpu, "bf16"), torch.autocast)
    with pytest.raises(ValueError, match="bf16 or fp32"):
        autocast_context(cpu, "fp8")
