"""Continuous batching for T5: a fixed set of decoder slots, each refilled as soon as its row finishes.

Batched ``model.generate`` runs every batch until its slowest row stops: one looping row (a phrase or a
SMILES fragment repeated to the 512-token limit) keeps the whole batch stepping long after its other rows
finished. Here the decoder works on ``num_slots`` rows at a time with a key/value cache of fixed length;
a row that ends (end-of-sequence, its token limit, or ``stop_repeats``) hands its slot to the next waiting
row at once, so a looping row holds only its own slot. The encoder runs once per row (in length-sorted
chunks, cross-attention keys/values computed once and kept per row).

The decoder step re-uses the model's own modules (layer norms, projections, feed-forward, ``lm_head``) and
the same scaled-dot-product call, bias and mask as ``transformers``' T5 with SDPA, so greedy outputs equal
``model.generate``'s at fp32 up to float ties (the reduction order over a fixed-length cache can move the
last bit). Slot positions differ per row, so the relative position bias is computed per slot; the bucket
function follows Mesh TensorFlow's ``_relative_position_bucket`` as ``transformers`` ports it.

Fixed slots and cache length make the step a fixed-shape computation: ``compile_decoder`` wraps it in
``torch.compile`` (CUDA graphs on a GPU via ``mode="reduce-overhead"``). Uncompiled, the step attends only
to the window the longest active row needs and shrinks the slot set once no rows are waiting.
"""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class EngineStats:
    """What one run did: steps, how many rows hit the token limit or were cut by ``stop_repeats``."""

    rows: int = 0
    decoder_steps: int = 0
    capped: int = 0
    cut_repeats: int = 0


def relative_position_bucket(relative_position: torch.Tensor, num_buckets: int, max_distance: int) -> torch.Tensor:
    """Decoder (unidirectional) buckets of T5's relative position bias (Mesh TensorFlow, as in transformers)."""
    relative_position = -torch.clamp(relative_position, max=0)
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    if_large = max_exact + (torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact)
                            * (num_buckets - max_exact)).to(torch.long)
    if_large = torch.clamp(if_large, max=num_buckets - 1)
    return torch.where(is_small, relative_position, if_large)


class SlotDecoder:
    """The decoder of a T5 over ``num_slots`` rows with fixed-size self- and cross-attention caches."""

    def __init__(self, model, num_slots: int, cache_length: int, source_length: int):
        config = model.config
        self.model = model
        self.decoder = model.get_decoder()
        self.blocks = list(self.decoder.block)
        self.num_slots, self.cache_length, self.source_length = num_slots, cache_length, source_length
        self.heads, self.head_dim = config.num_heads, config.d_kv
        self.scale_output = config.d_model**-0.5 if getattr(config, "scale_decoder_outputs", False) else None
        self.num_buckets = config.relative_attention_num_buckets
        self.max_distance = config.relative_attention_max_distance
        self.position_bias = self.blocks[0].layer[0].SelfAttention.relative_attention_bias
        weight = model.lm_head.weight
        self.device, self.dtype = weight.device, weight.dtype
        self.min_value = torch.finfo(self.dtype).min
        shape_self = (num_slots, self.heads, cache_length, self.head_dim)
        shape_cross = (num_slots, self.heads, source_length, self.head_dim)
        new = dict(device=self.device, dtype=self.dtype)
        self.self_k = [torch.zeros(shape_self, **new) for _ in self.blocks]
        self.self_v = [torch.zeros(shape_self, **new) for _ in self.blocks]
        self.cross_k = [torch.zeros(shape_cross, **new) for _ in self.blocks]
        self.cross_v = [torch.zeros(shape_cross, **new) for _ in self.blocks]
        self.cross_mask = torch.full((num_slots, 1, 1, source_length), self.min_value, **new)
        self.positions = torch.zeros(num_slots, dtype=torch.long, device=self.device)
        self.tokens = torch.full((num_slots,), config.decoder_start_token_id, dtype=torch.long, device=self.device)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:  # [S, n, H*dk] -> [S, H, n, dk]
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def encode_cross(self, hidden: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Cross-attention keys/values of every decoder layer for encoder outputs ``hidden`` [B, T, D]."""
        return [(self._heads(block.layer[1].EncDecAttention.k(hidden)),
                 self._heads(block.layer[1].EncDecAttention.v(hidden))) for block in self.blocks]

    def load(self, slot: int, cross: list[tuple[torch.Tensor, torch.Tensor]], length: int, start_token: int) -> None:
        """Put a row (its cross keys/values [H, T, dk] per layer, T >= length) into ``slot``, at position 0."""
        for layer, (k, v) in enumerate(cross):
            self.cross_k[layer][slot, :, :length] = k[:, :length]
            self.cross_v[layer][slot, :, :length] = v[:, :length]
        self.cross_mask[slot, ..., :length] = 0
        self.cross_mask[slot, ..., length:] = self.min_value
        self.positions[slot] = 0
        self.tokens[slot] = start_token

    def compact(self, keep: torch.Tensor) -> None:
        """Keep only slots ``keep`` (moved to the front); the caches become views of their first rows."""
        n = keep.numel()
        for caches in (self.self_k, self.self_v, self.cross_k, self.cross_v):
            for layer, cache in enumerate(caches):
                cache[:n] = cache[keep]
                caches[layer] = cache[:n]
        self.cross_mask = self.cross_mask[keep]
        self.positions = self.positions[keep]
        self.tokens = self.tokens[keep]
        self.num_slots = n

    def step(self, window: int) -> torch.Tensor:
        """One decoder step for every slot: next-token logits [S, V] (fp32); caches and positions advance."""
        return decoder_step(self, window)


def decoder_step(dec: SlotDecoder, window: int) -> torch.Tensor:
    slots = dec.num_slots
    rows = torch.arange(slots, device=dec.device)
    keys = torch.arange(window, device=dec.device)
    relative = keys[None, :] - dec.positions[:, None]  # [S, W]: memory position - query position
    bias = dec.position_bias(relative_position_bucket(relative, dec.num_buckets, dec.max_distance))  # [S, W, H]
    bias = bias.permute(0, 2, 1).unsqueeze(2)  # [S, H, 1, W]
    self_mask = torch.where((relative <= 0)[:, None, None, :], bias, dec.min_value)
    hidden = dec.decoder.embed_tokens(dec.tokens)[:, None, :]  # [S, 1, D]
    for layer, block in enumerate(dec.blocks):
        attention = block.layer[0]
        normed = attention.layer_norm(hidden)
        module = attention.SelfAttention
        q = dec._heads(module.q(normed))
        dec.self_k[layer][rows, :, dec.positions] = dec._heads(module.k(normed))[:, :, 0]
        dec.self_v[layer][rows, :, dec.positions] = dec._heads(module.v(normed))[:, :, 0]
        out = F.scaled_dot_product_attention(q, dec.self_k[layer][:, :, :window], dec.self_v[layer][:, :, :window],
                                             attn_mask=self_mask, scale=1.0)
        hidden = hidden + module.o(out.transpose(1, 2).reshape(slots, 1, -1))
        cross = block.layer[1]
        normed = cross.layer_norm(hidden)
        q = dec._heads(cross.EncDecAttention.q(normed))
        out = F.scaled_dot_product_attention(q, dec.cross_k[layer], dec.cross_v[layer], attn_mask=dec.cross_mask,
                                             scale=1.0)
        hidden = hidden + cross.EncDecAttention.o(out.transpose(1, 2).reshape(slots, 1, -1))
        hidden = block.layer[-1](hidden)
    hidden = dec.decoder.final_layer_norm(hidden)
    if dec.scale_output is not None:
        hidden = hidden * dec.scale_output
    dec.positions += 1
    return dec.model.lm_head(hidden)[:, 0].float()


@dataclass
class Job:
    row: int  # index into the caller's rows
    length: int  # source tokens
    cross: list | None = None  # per layer (k, v) [H, T, dk], set when encoded


def _cycle_repeats(history: torch.Tensor, positions: torch.Tensor, runs: torch.Tensor, max_cycle: int) -> None:
    """Update ``runs[s, k-1]``: how many latest tokens of slot s equal the token k places before them."""
    slots = history.shape[0]
    rows = torch.arange(slots, device=history.device)
    last = positions - 1  # index of the token just written
    shifts = torch.arange(1, max_cycle + 1, device=history.device)
    earlier = last[:, None] - shifts[None, :]
    valid = earlier >= 0
    previous = history[rows[:, None], earlier.clamp(min=0)]
    same = valid & (previous == history[rows, last][:, None])
    runs.copy_(torch.where(same, runs + 1, torch.zeros_like(runs)))


@torch.inference_mode()
def decode_rows(model, input_ids: Sequence[Sequence[int]], *, max_new_tokens: int, num_slots: int = 32,
                num_return_sequences: int = 1, do_sample: bool = False, temperature: float = 1.0, top_p: float = 1.0,
                repetition_penalty: float = 1.0, stop_repeats: int = 0, max_cycle: int = 64,
                compile_decoder: bool = False, allowed_token_ids: Sequence[int] | None = None,
                generator: torch.Generator | None = None,
                on_row_done: Callable[[int], None] | None = None,
                stats: EngineStats | None = None) -> list[list[list[int]]]:
    """Decode every row of ``input_ids`` (token ids, no padding); ``num_return_sequences`` id lists per row.

    Returned ids stop before end-of-sequence. ``stop_repeats`` N > 0 ends a row once its latest tokens are
    N copies of one cycle of at most ``max_cycle`` tokens (kept: the N copies); 0, the default, never cuts.
    ``allowed_token_ids``: the only tokens a row may write (end-of-sequence only after the first token), e.g.
    SELFIES symbols, so that every output is a molecule.
    """
    config = model.config
    eos, start = config.eos_token_id, config.decoder_start_token_id
    stats = stats if stats is not None else EngineStats()
    jobs = [Job(row, len(ids)) for row, ids in enumerate(input_ids) for _ in range(num_return_sequences)]
    results: list[list[list[int]]] = [[] for _ in input_ids]
    if not jobs:
        return results
    stats.rows += len(input_ids)
    order = sorted(range(len(jobs)), key=lambda j: -jobs[j].length)  # longest first: memory trouble shows at once
    slots = min(num_slots, len(jobs))
    source_length = max(1, max(job.length for job in jobs))
    cache_length = max_new_tokens
    dec = SlotDecoder(model, slots, cache_length, source_length)
    step = _compiled_step() if compile_decoder else decoder_step
    history = torch.full((slots, cache_length), config.pad_token_id, dtype=torch.long, device=dec.device)
    runs = torch.zeros((slots, max_cycle), dtype=torch.long, device=dec.device) if stop_repeats else None
    seen = torch.zeros((slots, model.lm_head.out_features), dtype=torch.bool, device=dec.device) \
        if repetition_penalty != 1.0 else None
    allowed = None
    if allowed_token_ids is not None:
        allowed = torch.full((model.lm_head.out_features,), -float("inf"), device=dec.device)
        allowed[list(allowed_token_ids)] = 0.0
        allowed[eos] = 0.0
    encoded: dict[int, list] = {}  # row -> cross keys/values, while copies of the row still wait
    copies_left = {row: num_return_sequences for row in range(len(input_ids))}
    waiting = collections.deque(order)
    slot_job: list[int | None] = [None] * slots

    def next_job() -> int | None:
        if not waiting:
            return None
        j = waiting.popleft()
        row = jobs[j].row
        if row not in encoded:  # encode this row and the next ones in one length-sorted chunk
            chunk = [row] + [jobs[i].row for i in itertools.islice(waiting, slots * num_return_sequences)]
            _encode_chunk(model, dec, input_ids, chunk, encoded)
        jobs[j].cross = encoded[row]
        copies_left[row] -= 1
        if not copies_left[row]:
            del encoded[row]
        return j

    def fill(slot: int) -> None:
        j = next_job()
        slot_job[slot] = j
        if j is None:
            dec.positions[slot] = 0  # idle: stays inside the cache until the slot set shrinks
            return
        job = jobs[j]
        dec.load(slot, job.cross, job.length, start)
        job.cross = None
        history[slot] = config.pad_token_id
        if runs is not None:
            runs[slot] = 0
        if seen is not None:
            seen[slot] = False
            seen[slot, start] = True  # transformers penalizes the decoder start token too

    for slot in range(slots):
        fill(slot)
    while any(j is not None for j in slot_job):
        active = torch.tensor([j is not None for j in slot_job], device=dec.device)
        if not waiting and not compile_decoder and active.sum().item() <= dec.num_slots // 2:
            keep = active.nonzero()[:, 0]
            dec.compact(keep)
            history, active = history[keep], active[keep]
            runs = runs[keep] if runs is not None else None
            seen = seen[keep] if seen is not None else None
            slot_job = [slot_job[i] for i in keep.tolist()]
        window = cache_length if compile_decoder else int(dec.positions.max().item()) + 1
        positions = dec.positions.clone()
        logits = step(dec, window)
        stats.decoder_steps += 1
        if allowed is not None:
            logits = logits + allowed
            logits[positions == 0, eos] = -float("inf")  # at least one token
        if seen is not None:
            penalized = torch.where(logits < 0, logits * repetition_penalty, logits / repetition_penalty)
            logits = torch.where(seen, penalized, logits)
        if do_sample:
            chosen = _sample(logits, temperature, top_p, generator)
        else:
            chosen = logits.argmax(-1)
        history[torch.arange(dec.num_slots, device=dec.device), positions] = chosen
        if seen is not None:
            seen[torch.arange(dec.num_slots, device=dec.device), chosen] = True
        dec.tokens = chosen
        done = active & ((chosen == eos) | (dec.positions >= max_new_tokens))
        dec.positions.masked_fill_(~active, 0)  # an idle slot (nothing left to load) stays at position 0
        if runs is not None:
            _cycle_repeats(history, dec.positions, runs, max_cycle)
            cycle = torch.arange(1, max_cycle + 1, device=dec.device)
            repeated = active & (runs >= cycle * (stop_repeats - 1)).any(-1) & (chosen != eos)
            done |= repeated
        if not bool(done.any()):
            continue
        for slot in done.nonzero()[:, 0].tolist():
            length = int(dec.positions[slot])
            ids = history[slot, :length].tolist()
            if ids and ids[-1] == eos:
                ids.pop()
            elif runs is not None and bool(repeated[slot]):
                stats.cut_repeats += 1
            else:
                stats.capped += 1
            row = jobs[slot_job[slot]].row
            results[row].append(ids)
            if on_row_done is not None and len(results[row]) == num_return_sequences:
                on_row_done(row)
            fill(slot)
    return results


def _encode_chunk(model, dec: SlotDecoder, input_ids, rows: list[int], encoded: dict) -> None:
    """Run the encoder once on the waiting rows not yet encoded (a length-sorted chunk) and keep their cross K/V."""
    rows = list(dict.fromkeys(r for r in rows if r not in encoded))
    width = max(len(input_ids[r]) for r in rows)
    pad = model.config.pad_token_id
    ids = torch.full((len(rows), width), pad, dtype=torch.long, device=dec.device)
    mask = torch.zeros((len(rows), width), dtype=torch.long, device=dec.device)
    for i, r in enumerate(rows):
        ids[i, : len(input_ids[r])] = torch.tensor(input_ids[r], dtype=torch.long)
        mask[i, : len(input_ids[r])] = 1
    hidden = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
    cross = dec.encode_cross(hidden)
    for i, r in enumerate(rows):
        encoded[r] = [(k[i], v[i]) for k, v in cross]


def _sample(logits: torch.Tensor, temperature: float, top_p: float, generator) -> torch.Tensor:
    """Temperature, then nucleus (top-p) filtering as transformers' warpers do, then one draw per row."""
    scores = logits / temperature if temperature != 1.0 else logits
    if top_p < 1.0:
        sorted_scores, sorted_index = torch.sort(scores, descending=False)
        cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
        remove_sorted = cumulative <= (1 - top_p)
        remove_sorted[..., -1:] = False  # always keep the most likely token
        remove = remove_sorted.scatter(1, sorted_index, remove_sorted)
        scores = scores.masked_fill(remove, -float("inf"))
    probs = scores.softmax(dim=-1)
    return torch.multinomial(probs, 1, generator=generator)[:, 0]


_COMPILED: dict[str, Callable] = {}


def _compiled_step() -> Callable:
    """``decoder_step`` under ``torch.compile``; CUDA graphs (``reduce-overhead``) when a GPU is present."""
    mode = "reduce-overhead" if torch.cuda.is_available() else "default"
    if mode not in _COMPILED:
        _COMPILED[mode] = torch.compile(decoder_step, mode=mode, dynamic=False)
    return _COMPILED[mode]
