"""Backends against real components: a chat-completions server on 127.0.0.1 with injected faults, a tiny
GPT-2 built on the spot (random weights, tokenizer built locally), and the rule describer."""

import time

import pytest

from ada_t5.pseudo.backends import (
    BackendFatal,
    Request,
    RuleBackend,
    TransformersBackend,
)
from ada_t5.pseudo.openai_chat import OpenAIBackend, RateLimiter, max_tokens_field_for
from ada_t5.pseudo.prompts import Template

from .conftest import MOLECULES, answer_for, fault_for


def requests(smiles_list):
    return [Request(s, s, Template().render(s, [])) for s in smiles_list]


def test_openai_backend_retries_every_fault_and_counts_tokens(chat_server, monkeypatch):
    monkeypatch.setenv("ADA_T5_TEST_KEY", "sk-test-secret-123")
    smiles = MOLECULES[:15]
    with chat_server(slow=2.5) as server:
        backend = OpenAIBackend(server.base_url, "mock-llm", api_key_env="ADA_T5_TEST_KEY", concurrency=4,
                                timeout=1.0, backoff_base=0.01, max_retries=3, temperature=0.2, max_tokens=64)
        results = [pair for group in backend.run(iter(requests(smiles))) for pair in group]
    assert sorted(r.smiles for r, _ in results) == sorted(smiles)
    faulty = 0
    for request, answer in results:
        assert answer.error is None and answer.text == answer_for(request.smiles)
        expected_attempts = 1 if fault_for(request.smiles) is None else 2
        faulty += expected_attempts - 1
        assert answer.attempts == expected_attempts == server.attempts[request.smiles]
        assert answer.prompt_tokens > 50 and answer.completion_tokens == len(answer.text.split())
    assert faulty >= 3 and backend.retries == faulty
    assert set(server.authorization) == {"Bearer sk-test-secret-123"}
    assert server.bodies[0]["temperature"] == 0.2 and server.bodies[0]["max_tokens"] == 64


def test_openai_backend_gives_up_and_stops(chat_server):
    with chat_server(status=503) as server:
        backend = OpenAIBackend(server.base_url, "m", api_key_env="ADA_T5_UNSET_KEY", backoff_base=0.001,
                                max_retries=2)
        [[(_, answer)]] = list(backend.run(iter(requests(["CCO"]))))
        assert answer.error.startswith("gave up after 3 attempts: HTTP 503") and server.attempts["CCO"] == 3
        assert server.authorization == [None] * 3
    with chat_server(status=401) as server:
        backend = OpenAIBackend(server.base_url, "m", concurrency=2)
        with pytest.raises(BackendFatal, match="HTTP 401"):
            list(backend.run(iter(requests(MOLECULES[:6]))))
        assert sum(server.attempts.values()) <= 4  # stopped at once, not one 401 per molecule


def test_openai_backend_keeps_connections_alive_with_many_in_flight(chat_server):
    smiles = [f"C{'C' * (i % 7)}O{'N' * (i // 7)}" for i in range(300)]
    with chat_server(delay=0.3, faults=False) as server:
        backend = OpenAIBackend(server.base_url, "m", api_key_env="ADA_T5_UNSET_KEY", concurrency=100)
        results = [pair for group in backend.run(iter(requests(smiles))) for pair in group]
        assert len(results) == 300 and all(a.error is None for _, a in results)
        assert backend.peak_in_flight >= 50  # hundreds in flight, not a handful
        assert len(server.connections) <= 100  # kept alive and reused: not one connection per request


def test_max_tokens_field():
    assert max_tokens_field_for("https://api.openai.com/v1") == "max_completion_tokens"
    assert max_tokens_field_for("http://localhost:8000/v1") == "max_tokens"
    assert max_tokens_field_for("http://localhost:8000/v1", "max_completion_tokens") == "max_completion_tokens"
    with pytest.raises(ValueError, match="max_tokens_field"):
        max_tokens_field_for("http://x/v1", "max_new_tokens")


def test_openai_backend_sends_the_configured_token_field(chat_server):
    with chat_server(faults=False) as server:
        backend = OpenAIBackend(server.base_url, "m", max_tokens=77, max_tokens_field="max_completion_tokens")
        list(backend.run(iter(requests(["CCO"]))))
    assert server.bodies[0]["max_completion_tokens"] == 77 and "max_tokens" not in server.bodies[0]


def test_a_400_on_the_first_requests_is_fatal_with_the_servers_message(chat_server):
    message = "Unsupported parameter: 'max_tokens' is not supported with this model."
    with chat_server(status=400, status_message=message) as server:
        backend = OpenAIBackend(server.base_url, "m", concurrency=2, backoff_base=0.001)
        with pytest.raises(BackendFatal, match="HTTP 400 to the first requests.*Unsupported parameter"):
            list(backend.run(iter(requests(MOLECULES))))
        assert sum(server.attempts.values()) <= 4  # not one 400 per molecule


def test_a_400_after_answers_fails_only_that_molecule(chat_server):
    with chat_server(faults=False, statuses={"CCN": 400}, status_message="prompt too long") as server:
        backend = OpenAIBackend(server.base_url, "m", concurrency=1, backoff_base=0.001)
        results = {r.smiles: a for g in backend.run(iter(requests(["CCO", "CCN", "CCC"]))) for r, a in g}
    assert results["CCN"].error == "HTTP 400: prompt too long" and server.attempts["CCN"] == 1
    assert results["CCO"].error is None and results["CCC"].error is None


def test_a_refused_first_connection_is_fatal():
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", backoff_base=0.001)
    with pytest.raises(BackendFatal, match=f"cannot connect to http://127.0.0.1:{port}/v1/chat/completions"):
        list(backend.run(iter(requests(MOLECULES[:3]))))


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(per_minute=1200)  # one per 50 ms
    start = time.monotonic()
    for _ in range(5):
        limiter.acquire()
    assert time.monotonic() - start >= 0.19


def build_tiny_causal_lm(folder):
    """A 2-layer GPT-2 with random weights and a word-level tokenizer built from the default prompt's words."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = set(" ".join(m["content"] for m in Template().render("CCO", [])).split())
    words |= {"The", "molecule", "is", "an", "alcohol", "acid", "ring", "with", "a"}
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "</s>"] + sorted(words))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                        eos_token="</s>")
    config = GPT2Config(vocab_size=len(vocab), n_positions=512, n_embd=32, n_layer=2, n_head=2,
                        eos_token_id=2, bos_token_id=2, pad_token_id=0)
    import torch

    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_local_transformers_backend(tmp_path):
    folder = build_tiny_causal_lm(tmp_path / "tiny-gpt2")
    # sampled: a random-weight model left greedy repeats one token ([UNK], which decoding drops)
    backend = TransformersBackend(str(folder), batch_size=3, max_new_tokens=8, device="cpu", temperature=1.0)
    results = [pair for group in backend.run(iter(requests(MOLECULES[:5]))) for pair in group]
    assert [r.smiles for r, _ in results] == MOLECULES[:5]
    for _, answer in results:
        assert isinstance(answer.text, str) and answer.error is None
        assert answer.prompt_tokens > 50 and 1 <= answer.completion_tokens <= 8
        assert answer.finish_reason in ("stop", "length")
    assert any(answer.text.strip() for _, answer in results)


def test_rule_backend():
    results = [pair for group in RuleBackend(batch_size=2).run(iter(requests(["CCO", "C1CC", "c1ccccc1"])))
               for pair in group]
    assert results[0][1].text.startswith("The molecule is") and results[1][1].error
