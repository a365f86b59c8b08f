"""T5 span corruption: T5's length table, hand-worked corruptions, the noise distribution, sentinels by token."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ada_t5.pretrain.objectives import (
    DataCollatorForT5MLM,
    compute_input_and_target_lengths,
    corrupted_lengths,
    random_spans_noise_mask,
    sentinel_ids,
)

SENTINELS = np.arange(199, 99, -1)  # <extra_id_0> = 199, <extra_id_1> = 198, ... (T5's layout, top ids first)
EOS = 1


# (inputs_length) -> (raw tokens per row, targets with </s>), as t5.data.preprocessors.random_spans_helper and
# the Flax example's compute_input_and_target_lengths give at noise density 0.15, mean span 3
@pytest.mark.parametrize(("inputs_length", "expected"), [
    (512, (568, 114)), (256, (284, 58)), (128, (141, 29)), (64, (70, 14)), (1024, (1137, 229))])
def test_t5_length_table(inputs_length, expected):
    assert compute_input_and_target_lengths(inputs_length) == expected
    tokens_length, targets_length = expected
    assert corrupted_lengths(tokens_length) == (inputs_length, targets_length)
    assert corrupted_lengths(tokens_length + 1)[0] > inputs_length  # the most raw tokens that fit


def test_512_by_hand():
    # 568 raw tokens: 85 noise (round(85.2)) in 28 spans (round(85/3)); inputs 483 kept + 28 sentinels + </s>
    # = 512; targets 85 + 28 sentinels + </s> = 114
    assert corrupted_lengths(568) == (483 + 28 + 1, 85 + 28 + 1)


def test_noise_density_one_half_keeps_targets_within_inputs():
    tokens_length, targets_length = compute_input_and_target_lengths(128, noise_density=0.5)
    assert targets_length <= 128 and corrupted_lengths(tokens_length, 0.5)[0] <= 128


def _collator(tokens_length, **kwargs):
    return DataCollatorForT5MLM(sentinel_ids=SENTINELS, eos_token_id=EOS, tokens_length=tokens_length, **kwargs)


def test_hand_worked_corruption():
    # tokens 10..21; noise spans at positions 2-3 and 9-11 (the row ends with noise, as T5's masks do)
    ids = np.arange(10, 22)[None]
    noise = np.zeros((1, 12), dtype=bool)
    noise[0, [2, 3, 9, 10, 11]] = True
    inputs, labels = _collator(12).corrupt(ids, noise)
    assert inputs.tolist() == [[10, 11, 199, 14, 15, 16, 17, 18, 198, EOS]]
    assert labels.tolist() == [[199, 12, 13, 198, 19, 20, 21, EOS]]


def test_hand_worked_corruption_keeps_real_pad_tokens_and_numbers_sentinels_left_to_right():
    # id 0 (<pad>) is real data here: it must survive in inputs and in targets
    ids = np.array([[0, 5, 0, 6, 7, 0, 8, 9]])
    noise = np.array([[False, False, True, False, False, True, True, True]])
    inputs, labels = _collator(8).corrupt(ids, noise)
    assert inputs.tolist() == [[0, 5, 199, 6, 7, 198, EOS]]
    assert labels.tolist() == [[199, 0, 198, 0, 8, 9, EOS]]


def test_noise_mask_follows_t5():
    rng = np.random.default_rng(0)
    mask = random_spans_noise_mask(256, 568, rng)
    assert mask.shape == (256, 568)
    assert (mask.sum(axis=1) == 85).all()  # exactly round(568 * 0.15) noise tokens in every row
    starts = mask & ~np.pad(mask, ((0, 0), (1, 0)))[:, :-1]
    assert (starts.sum(axis=1) == 28).all()  # exactly 28 spans
    assert not mask[:, 0].any() and mask[:, -1].all()  # begins with a clean span, ends with a noise span
    assert 2.5 < 85 / 28 < 3.5
    assert len({row.tobytes() for row in mask}) == 256  # every row its own mask


def test_collator_output_shapes_and_content():
    collate = _collator(568)
    rng = np.random.default_rng(1)
    rows = rng.integers(2, 99, size=(8, 568))
    batch = collate([{"input_ids": row.tolist(), "length": 568} for row in rows])
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    assert batch["input_ids"].shape == (8, 512) and batch["labels"].shape == (8, 114)
    assert batch["attention_mask"].eq(1).all() and batch["input_ids"].dtype == torch.int64
    for row, inputs, labels in zip(rows, batch["input_ids"].numpy(), batch["labels"].numpy()):
        assert inputs[-1] == EOS and labels[-1] == EOS
        assert list(inputs[inputs >= 100]) == list(SENTINELS[:28])  # <extra_id_0>, <extra_id_1>, ... in order
        assert list(labels[labels >= 100]) == list(SENTINELS[:28])
        # putting each span back where its sentinel stands gives the original row
        spans = np.split(labels[:-1], np.flatnonzero(labels[:-1] >= 100))[1:]
        rebuilt = []
        for token in inputs[:-1]:
            rebuilt.extend(spans.pop(0)[1:] if token >= 100 else [token])
        assert rebuilt == row.tolist()


def test_masks_are_reproducible_per_batch_and_depend_on_seed():
    rows = [{"input_ids": list(range(2, 72))} for _ in range(4)]
    a, b = _collator(70)(rows), _collator(70)(rows)
    assert torch.equal(a["input_ids"], b["input_ids"])  # same batch, same mask: workers and resumes agree
    other = _collator(70, seed=7)(rows)
    assert not torch.equal(a["input_ids"], other["input_ids"])


def test_ragged_rows_are_refused_with_a_pointer():
    with pytest.raises(ValueError, match="pack_for_span_corruption"):
        _collator(70)([{"input_ids": list(range(70))}, {"input_ids": list(range(60))}])


def test_too_many_spans_for_the_sentinels_is_refused():
    with pytest.raises(ValueError, match="sentinels"):
        DataCollatorForT5MLM(sentinel_ids=SENTINELS[:10], eos_token_id=EOS, tokens_length=568)


def test_sentinels_are_looked_up_by_token(demo_tokenizer):
    ids = sentinel_ids(demo_tokenizer)
    assert demo_tokenizer.convert_ids_to_tokens(ids[:2].tolist()) == ["<extra_id_0>", "<extra_id_1>"]
    assert len(set(ids.tolist())) == 100
    collate = DataCollatorForT5MLM.for_tokenizer(demo_tokenizer, 64)
    assert (collate.tokens_length, collate.input_length, collate.target_length) == (70, 64, 14)
    text = "The molecule is a benzene ring bearing a carboxylic acid group and a methyl group. " * 3
    row = demo_tokenizer(text)["input_ids"][:70]
    batch = collate([{"input_ids": row}])
    decoded = demo_tokenizer.decode(batch["labels"][0])
    assert decoded.startswith("<extra_id_0>") and decoded.endswith("</s>")


def test_a_tokenizer_without_sentinels_is_refused():
    class NoSentinels:
        unk_token_id = 2

        def convert_tokens_to_ids(self, tokens):
            return [2] * len(tokens)

    with pytest.raises(ValueError, match="sentinel"):
        sentinel_ids(NoSentinels())
