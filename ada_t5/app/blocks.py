"""The Gradio page: a Caption tab (SMILES -> captions) and a Design tab (description -> molecules).

Gradio is the Hub Spaces convention; it is an optional extra (``pip install ada-t5[demo]``) so training installs
stay lean, and imported only here. The model loads once, when the page is built; Gradio's queue runs one
request at a time (``default_concurrency_limit=1``), so two visitors never run the model at once on a CPU.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from ada_t5.app.views import (DECODING_MODES, MAX_CANDIDATES, PAGE_CSS, Decoding, DemoError, KnownMolecules,
                              ModelInfo, caption_html, checkpoint_pool, design_html, read_examples, read_model_info,
                              read_pool)
from ada_t5.report import escape

logger = logging.getLogger(__name__)


def import_gradio():
    try:
        import gradio
    except ImportError as error:
        raise DemoError("the demo page needs Gradio: pip install 'ada-t5[demo]'") from error
    return gradio


@dataclass
class PageModels:
    """The checkpoints behind each tab (the same one for both unless the user gives one per task) and the known
    molecules for the Design tab."""

    caption: object
    design: object
    caption_info: ModelInfo
    design_info: ModelInfo
    known: KnownMolecules | None = None
    examples_from: str = ""


def load_page_models(model: str | None = None, *, caption_model: str | None = None, design_model: str | None = None,
                     pool: str | None = None, device: str = "auto") -> PageModels:
    """Load each distinct checkpoint once: ``model`` serves both tabs unless ``caption_model`` / ``design_model``
    name one for that tab. Each is a local folder or a Hub id."""
    caption_name, design_name = caption_model or model, design_model or model
    if not caption_name or not design_name:
        raise DemoError("name a checkpoint: --model, or both --caption_model and --design_model")
    loaded = {}
    for name in dict.fromkeys((caption_name, design_name)):
        loaded[name] = _load_one(name, device)
    known = read_pool(pool) if pool else (checkpoint_pool(design_name) or checkpoint_pool(caption_name))
    (caption, caption_info), (design, design_info) = loaded[caption_name], loaded[design_name]
    design_info.pool_size = len(known) if known is not None else None
    examples = caption_name if caption_name == design_name else ""
    return PageModels(caption, design, caption_info, design_info, known, examples_from=examples)


def _load_one(name: str, device: str):
    from ada_t5.hub import looks_like_hub_id
    from ada_t5.inference import load

    if not looks_like_hub_id(name) and not os.path.isdir(name):
        raise DemoError(f"{name}: no such checkpoint folder")
    model = load(name, device=device)
    info = read_model_info(name, name=name)
    info.task = info.task or model.task
    return model, info


def build_app(models: PageModels, *, source_limit: int = 512):
    """The ``gradio.Blocks`` page for loaded checkpoints (:func:`load_page_models`)."""
    gr = import_gradio()
    smiles_examples, text_examples = read_examples(models.examples_from)

    def decoding(mode, n, beams, temperature, top_p):
        return Decoding(mode=mode, n=int(n), num_beams=int(beams), temperature=float(temperature), top_p=float(top_p))

    def on_caption(smiles, mode, n, beams, temperature, top_p):
        return caption_html(models.caption, smiles, decoding(mode, n, beams, temperature, top_p),
                            source_limit=source_limit)

    def on_design(text, mode, n, beams, temperature, top_p):
        return design_html(models.design, text, decoding(mode, n, beams, temperature, top_p), known=models.known,
                           source_limit=source_limit)

    with gr.Blocks(title="ada-t5 demo") as page:
        gr.HTML(f"<style>{PAGE_CSS}</style><h2>ada-t5: molecules &lt;-&gt; text</h2>")
        with gr.Tab("Caption", id="caption"):
            gr.HTML(models.caption_info.html() + _task_note(models.caption_info, "mol2text"))
            smiles = gr.Textbox(label="SMILES", placeholder="CC(=O)OC1=CC=CC=C1C(=O)O", elem_id="smiles-input")
            caption_controls = _decoding_controls(gr, "caption", mode="greedy", n=1)
            caption_button = gr.Button("Caption", variant="primary", elem_id="caption-button")
            caption_out = gr.HTML(elem_id="caption-output")
            gr.Examples([[s] for s in smiles_examples], inputs=[smiles], label="Examples")
            caption_button.click(on_caption, [smiles, *caption_controls], caption_out, api_name="caption")
            smiles.submit(on_caption, [smiles, *caption_controls], caption_out)
        with gr.Tab("Design", id="design"):
            gr.HTML(models.design_info.html() + _task_note(models.design_info, "text2mol"))
            text = gr.Textbox(label="Description", lines=3, elem_id="description-input",
                              placeholder="The molecule is a monocarboxylic acid ...")
            design_controls = _decoding_controls(gr, "design", mode="beam search", n=4)
            design_button = gr.Button("Design", variant="primary", elem_id="design-button")
            design_out = gr.HTML(elem_id="design-output")
            gr.Examples([[t] for t in text_examples], inputs=[text], label="Examples")
            design_button.click(on_design, [text, *design_controls], design_out, api_name="design")
    page.queue(default_concurrency_limit=1)
    return page


def _task_note(info: ModelInfo, wanted: str) -> str:
    if info.task and info.task != wanted:
        return (f'<p class="note">This checkpoint was fine-tuned for {escape(info.task)}, not {wanted}: its answers '
                "here will be poor. Give a checkpoint per tab with --caption_model / --design_model.</p>")
    return ""


def _decoding_controls(gr, prefix: str, *, mode: str, n: int):
    with gr.Accordion("Decoding", open=False):
        mode = gr.Radio(list(DECODING_MODES), value=mode, label="mode (greedy is the paper's)",
                        elem_id=f"{prefix}-mode")
        n = gr.Slider(1, MAX_CANDIDATES, value=n, step=1, label="candidates (n)", elem_id=f"{prefix}-n")
        beams = gr.Slider(1, 16, value=4, step=1, label="beams (beam search)")
        temperature = gr.Slider(0.1, 2.0, value=1.0, step=0.05, label="temperature (sampling)")
        top_p = gr.Slider(0.1, 1.0, value=0.95, step=0.01, label="top-p (sampling)")
    return mode, n, beams, temperature, top_p
