"""Hub dataset ids: telling one from a local path, loading it through ``datasets.load_dataset``, and failing
fast, with a message that says what to do, when the Hub is offline or does not answer."""

from __future__ import annotations

from ada_t5.data.errors import MissingSplitError, _short
from ada_t5.hub import hub_offline, hub_unavailable_reason


def _hub_message(hub_id: str, why: str, offline: bool) -> str:
    fix = (f"Download it on a connected machine (python -c \"import datasets; datasets.load_dataset('{hub_id}')"
           f".save_to_disk('{hub_id.split('/')[-1]}')\") and pass that folder, or pass a local pair file")
    if not offline:
        fix += "; a copy already in the datasets cache loads with HF_HUB_OFFLINE=1"
    return f"{hub_id!r} is not a local file or folder, and as a Hub dataset id it cannot be loaded: {why}. {fix}"


def _load_hub(hub_id: str, split: str | None, *, cache_dir, num_proc):
    """The Hub dataset (split given) or DatasetDict (split None), through datasets.load_dataset; offline,
    that serves a cached copy or fails at once; online, a quick probe first makes an unreachable Hub fail
    in seconds."""
    import datasets

    from ada_t5.data.download import download_hint

    hint = download_hint(hub_id)  # data/chebi20 is the download folder the configs name, not a Hub id
    if hint is not None:
        raise FileNotFoundError(hint)
    offline = hub_offline(datasets_too=True)
    why = None if offline else hub_unavailable_reason()
    if why is not None:
        raise FileNotFoundError(_hub_message(hub_id, why, offline))
    try:
        return datasets.load_dataset(hub_id, split=split, cache_dir=cache_dir, num_proc=num_proc)
    except ValueError as error:
        if split is not None and "split" in str(error).lower():
            raise MissingSplitError(f"{hub_id}: no {split!r} split ({error})", path=hub_id) from None
        raise
    except (ConnectionError, FileNotFoundError, OSError) as error:  # DatasetNotFoundError is a FileNotFoundError
        if offline:
            why = "offline mode is on (HF_HUB_OFFLINE=1) and the datasets cache holds no copy"
        elif isinstance(error, ConnectionError):
            why = f"the Hub is unreachable ({_short(str(error), 200)})"
        else:
            why = ("the Hub has no such dataset, or it is private or gated (log in with `hf auth login`) "
                   f"({_short(str(error), 200)})")
        raise FileNotFoundError(_hub_message(hub_id, why, offline)) from None
