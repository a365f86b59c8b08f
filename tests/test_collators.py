import numpy as np
import torch

from ada_t5.collators import LABEL_PAD, Seq2SeqCollator, pad_sequences


def test_pad_sequences_pads_to_longest_and_multiple():
    out = pad_sequences([[5, 6, 7], [8]], pad_value=0)
    assert out.tolist() == [[5, 6, 7], [8, 0, 0]]
    out = pad_sequences([[5, 6, 7], [8]], pad_value=-1, multiple_of=8)
    assert out.shape == (2, 8)
    assert out[1].tolist() == [8] + [-1] * 7


def test_seq2seq_collator_masks_and_label_padding():
    collate = Seq2SeqCollator(pad_token_id=0)
    batch = collate([
        {"input_ids": [11, 12, 13, 1], "labels": [21, 1], "length": 4},
        {"input_ids": [14, 1], "labels": [22, 23, 24, 1], "length": 2},
    ])
    assert set(batch) == {"input_ids", "attention_mask", "labels"}  # extra columns are not passed on
    assert batch["input_ids"].tolist() == [[11, 12, 13, 1], [14, 1, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    assert batch["labels"].tolist() == [[21, 1, LABEL_PAD, LABEL_PAD], [22, 23, 24, 1]]
    assert all(t.dtype == torch.int64 for t in batch.values())


def test_seq2seq_collator_without_labels_and_real_pad_ids_inside_sequences():
    # a real pad id inside a sequence (pad_token_id used as data) must stay attended
    batch = Seq2SeqCollator(pad_token_id=0, pad_to_multiple_of=4)([{"input_ids": [0, 7, 1]}, {"input_ids": [9, 1]}])
    assert "labels" not in batch
    assert batch["input_ids"].shape == (2, 4)
    assert np.array_equal(batch["attention_mask"].numpy(), [[1, 1, 1, 0], [1, 1, 0, 0]])
