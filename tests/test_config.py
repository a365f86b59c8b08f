import dataclasses

import pytest

from ada_t5.config import ConfigError, parse_config


@dataclasses.dataclass
class Alpha:
    learning_rate: float = dataclasses.field(default=1e-3, metadata={"help": "lr"})
    name: str = "x"
    flag: bool = False


@dataclasses.dataclass
class Beta:
    steps: int = 10
    tags: list[str] = dataclasses.field(default_factory=lambda: ["a"])


def test_yaml_values_become_defaults_and_cli_overrides_them(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("learning_rate: 5e-4   # YAML 1.1 reads this as a string; argparse converts it\n"
                   "steps: 7\nflag: true\n")
    alpha, beta = parse_config((Alpha, Beta), [str(cfg)])
    assert alpha.learning_rate == pytest.approx(5e-4) and isinstance(alpha.learning_rate, float)
    assert beta.steps == 7 and alpha.flag is True
    alpha, beta = parse_config((Alpha, Beta), [str(cfg), "--steps", "3", "--flag", "false"])
    assert beta.steps == 3 and alpha.flag is False and alpha.learning_rate == pytest.approx(5e-4)


def test_without_yaml_the_dataclass_defaults_apply():
    alpha, beta = parse_config((Alpha, Beta), ["--name", "y"])
    assert (alpha.name, alpha.learning_rate, beta.steps) == ("y", 1e-3, 10)


def test_unknown_yaml_key_names_file_and_key(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("learnig_rate: 1\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: unknown setting\(s\) learnig_rate"):
        parse_config((Alpha, Beta), [str(cfg)])
    alpha, _ = parse_config((Alpha, Beta), [str(cfg)], ignore_unknown_config_keys=True)
    assert alpha.learning_rate == 1e-3


def test_missing_or_malformed_yaml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        parse_config((Alpha,), [str(tmp_path / "nope.yaml")])
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        parse_config((Alpha,), [str(bad)])


def test_log_levels_follow_log_level_and_log_level_replica(tmp_path, monkeypatch):
    import logging

    import datasets
    import transformers

    from ada_t5.commands.finetune import ARGUMENT_TYPES
    from ada_t5.config import configure_logging

    def args(*flags):
        return parse_config(ARGUMENT_TYPES, ["--model_shape", "tiny", "--output_dir", str(tmp_path), "--bf16", "false",
                                             *flags])[-1]

    ours = logging.getLogger("ada_t5")
    saved = (transformers.utils.logging.get_verbosity(), datasets.utils.logging.get_verbosity(), ours.level)
    try:
        assert configure_logging(args()) == logging.INFO and ours.level == logging.INFO  # main process default
        assert configure_logging(args("--log_level", "error")) == logging.ERROR
        assert ours.level == logging.ERROR
        assert transformers.utils.logging.get_verbosity() == datasets.utils.logging.get_verbosity() == logging.ERROR
        replica = args("--log_level", "debug", "--log_level_replica", "critical")
        monkeypatch.setattr(type(replica), "should_log", property(lambda self: False))  # a non-main process
        assert configure_logging(replica) == logging.CRITICAL and ours.level == logging.CRITICAL
    finally:
        transformers.utils.logging.set_verbosity(saved[0])
        datasets.utils.logging.set_verbosity(saved[1])
        ours.setLevel(saved[2])
