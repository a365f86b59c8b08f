"""Models: fresh named shapes sized to a real tokenizer, checkpoint round trips, clear load errors."""

from __future__ import annotations

import pytest
import torch

from ada_t5.modeling import (
    MODEL_SHAPES,
    ModelLoadError,
    build_fresh_model,
    build_model,
    count_parameters,
    load_pretrained_model,
    shape_config,
)


def test_named_shapes_follow_t5_v1_1(demo_tokenizer):
    config = shape_config("t5-v1_1-small", demo_tokenizer)
    assert (config.d_model, config.d_ff, config.num_layers, config.num_heads) == (512, 1024, 8, 6)
    assert config.is_gated_act and config.dense_act_fn == "gelu_new"
    assert config.scale_decoder_outputs is False  # v1.1 does not rescale decoder outputs
    assert config.vocab_size == len(demo_tokenizer)
    assert config.pad_token_id == demo_tokenizer.pad_token_id == config.decoder_start_token_id
    assert config.eos_token_id == demo_tokenizer.eos_token_id


def test_unknown_shape_names_the_choices(demo_tokenizer):
    with pytest.raises(ValueError, match="tiny"):
        shape_config("t5-huge", demo_tokenizer)


def test_fresh_model_starts_with_a_sane_loss(demo_tokenizer, demo_splits):
    """HF's std-1.0 lm_head starts near loss 150; ours starts near ln(vocab)."""
    model = build_model(demo_tokenizer, model_shape="tiny", seed=0)
    assert model.accepts_loss_kwargs is False
    std = model.lm_head.weight.std().item()  # nanoT5's d_model**-0.5, not HF's 1.0
    assert abs(std - model.config.d_model**-0.5) < 0.02
    row = demo_splits["train"][0]
    batch = demo_tokenizer([row["smiles"]], return_tensors="pt")
    labels = demo_tokenizer([row["description"]], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        loss = model(**batch, labels=labels).loss.item()
    assert loss < torch.log(torch.tensor(float(len(demo_tokenizer)))).item() + 3


def test_fresh_models_are_seeded(demo_tokenizer):
    a = build_fresh_model("tiny", demo_tokenizer, seed=1)
    b = build_fresh_model("tiny", demo_tokenizer, seed=1)
    c = build_fresh_model("tiny", demo_tokenizer, seed=2)
    assert torch.equal(a.shared.weight, b.shared.weight)
    assert not torch.equal(a.shared.weight, c.shared.weight)


def test_checkpoint_round_trip_and_dropout_override(demo_tokenizer, tmp_path):
    model = build_model(demo_tokenizer, model_shape="tiny", seed=0)
    model.save_pretrained(tmp_path)
    loaded = build_model(demo_tokenizer, model_name_or_path=str(tmp_path), dropout_rate=0.0)
    assert loaded.config.dropout_rate == 0.0
    assert loaded.accepts_loss_kwargs is False
    assert count_parameters(loaded) == count_parameters(model)
    for (name, p), (_, q) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(p, q), name


def test_checkpoint_with_a_foreign_tokenizer_is_refused(demo_tokenizer, tmp_path):
    model = build_model(demo_tokenizer, model_shape="tiny")
    model.config.eos_token_id = 7
    model.save_pretrained(tmp_path)
    with pytest.raises(ModelLoadError, match="eos_token_id"):
        load_pretrained_model(str(tmp_path), demo_tokenizer)


def test_missing_folder_and_offline_hub_id_fail_clearly(tmp_path):
    with pytest.raises(ModelLoadError, match="local folder"):
        load_pretrained_model(str(tmp_path))  # a folder without config.json
    with pytest.raises(ModelLoadError, match="HF_HUB_OFFLINE|unreachable"):
        load_pretrained_model("SCIR-HI/ada-t5-small")


def test_build_model_needs_exactly_one_source(demo_tokenizer):
    with pytest.raises(ValueError, match="exactly one"):
        build_model(demo_tokenizer)
    with pytest.raises(ValueError, match="exactly one"):
        build_model(demo_tokenizer, model_name_or_path="x", model_shape="tiny")


def test_every_named_shape_builds_a_config(demo_tokenizer):
    for shape in MODEL_SHAPES:
        assert shape_config(shape, demo_tokenizer).d_model == MODEL_SHAPES[shape]["d_model"]


def test_fresh_models_have_their_own_lm_head_through_save_load_and_resizing(demo_tokenizer, tmp_path, caplog):
    """transformers 5 ties every T5's lm_head to the embedding; T5 v1.1 (and Ada-T5) keep a separate one."""
    from ada_t5.modeling import has_untied_lm_head, resize_vocabulary

    model = build_model(demo_tokenizer, model_shape="tiny", seed=0)
    assert has_untied_lm_head(model) and not torch.equal(model.lm_head.weight, model.shared.weight)
    model.tie_weights()  # what resizing and some launchers call: must not tie it again
    assert has_untied_lm_head(model)
    model.save_pretrained(tmp_path)
    with caplog.at_level("WARNING"):
        loaded = load_pretrained_model(str(tmp_path))
    assert "will NOT tie" not in caplog.text  # transformers' misleading warning about a correct load is filtered
    assert has_untied_lm_head(loaded) and torch.equal(loaded.lm_head.weight, model.lm_head.weight)
    resize_vocabulary(loaded, len(demo_tokenizer) + 8)
    assert has_untied_lm_head(loaded)
    assert loaded.lm_head.weight.shape[0] == loaded.shared.weight.shape[0] == len(demo_tokenizer) + 8
    assert torch.equal(loaded.lm_head.weight[: len(demo_tokenizer)], model.lm_head.weight)
    assert torch.equal(loaded.shared.weight[: len(demo_tokenizer)], model.shared.weight)


class _Payload:  # what a malicious checkpoint pickles: a call run at load time (here a harmless one)
    def __reduce__(self):
        return (print, ("this would have run at load time",))


def test_a_pickled_checkpoint_with_code_is_refused_in_one_line_and_safetensors_win(demo_tokenizer, tmp_path):
    from ada_t5.modeling import ModelLoadError

    model = build_model(demo_tokenizer, model_shape="tiny", seed=0)
    evil = tmp_path / "evil"
    model.config.save_pretrained(evil)
    torch.save({"shared.weight": _Payload()}, evil / "pytorch_model.bin")
    with pytest.raises(ModelLoadError) as caught:
        load_pretrained_model(str(evil), demo_tokenizer)
    message = str(caught.value)
    assert "objects other than tensors" in message and "model.safetensors" in message
    assert "weights_only=False" not in message and "\n" not in message
    both = tmp_path / "both"
    model.save_pretrained(both)  # model.safetensors
    torch.save({"shared.weight": _Payload()}, both / "pytorch_model.bin")
    loaded = load_pretrained_model(str(both), demo_tokenizer)  # from the safetensors, the pickle never opened
    assert torch.equal(loaded.shared.weight, model.shared.weight)
