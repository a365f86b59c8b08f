"""Domain-adaptation pre-training (the Ada-T5 paper's first stage; ``ada-t5 pretrain``, docs/pretraining.md).

One module per job: :mod:`~ada_t5.pretrain.args` (the data and training arguments), :mod:`~ada_t5.pretrain.data`
(pairs and corpora tokenized for the objective, cached between runs), :mod:`~ada_t5.pretrain.stream` (the same,
streamed: ``--streaming``), :mod:`~ada_t5.pretrain.objectives` (span corruption, both-direction translation and
their mixture, each as its collator). The run itself is :mod:`ada_t5.commands.pretrain`; checkpoint discovery is
shared with fine-tuning (:mod:`ada_t5.checkpoints`), as are the Trainer build (:mod:`ada_t5.trainer`) and the pair
reading (:mod:`ada_t5.data`).
"""
