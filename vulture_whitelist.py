"""Names vulture reports as unused that are used where it cannot see (``make lint`` passes this file to it).

Each group says who uses them; anything vulture reports that is not here is dead code to remove.
"""
# ruff: noqa
from ada_t5.describe.molecule_facts import MoleculeFacts

# public fields and properties of ada_t5.describe.facts(): for users of the API
MoleculeFacts.ring_sizes, MoleculeFacts.heterocycle_count, MoleculeFacts.aromatic_heterocycle_count
MoleculeFacts.defined_stereocentres, MoleculeFacts.undefined_stereocentres
MoleculeFacts.group_counts, MoleculeFacts.group_labels

# called by Python or a library: module __getattr__, evaluate's Metric hooks, NLTK's WordNet reader, the
# Trainer's callbacks, http.server's handlers, socketserver settings
__getattr__
AdaT5Metrics
_._info
_._compute
_.map_wn
version
_._load_lemma_pos_offset_map
_.on_prediction_step
_.on_evaluate
_.on_step_end
_.on_train_begin
control
_.log_message
_.do_POST
_.do_GET
_.daemon_threads
request_queue_size
protocol_version
exc

# attributes set on library objects (tokenizers, model configs, torch backends, the Trainer's arguments)
_.normalizer
_.pre_tokenizer
_.post_processor
_.tie_word_embeddings
_.top_k
_.padding_side
_.truncation_side
_.dataloader_pin_memory
_.dataloader_persistent_workers
_.allow_tf32
eval_steps
save_steps
save_total_limit
logging_steps

# pytest fixtures used by name
_fresh_tokenizer_cache
no_training
_library_log_levels_reset
_transformers_imported
