"""A Hugging Face Space entry point: `app.py` is what Spaces runs (Gradio SDK).

Set the checkpoint with the Space variable ADA_T5_MODEL (a Hub id, or a folder in the Space repo), or one per tab
with ADA_T5_CAPTION_MODEL / ADA_T5_DESIGN_MODEL, and, for the Design tab's nearest-known-molecule search,
ADA_T5_POOL (a pair file or SMILES list in the repo). Locally,
`ada-t5 demo --model PATH` does the same.
"""

import os

from ada_t5.app.blocks import build_app, load_page_models

models = load_page_models(os.environ.get("ADA_T5_MODEL"), caption_model=os.environ.get("ADA_T5_CAPTION_MODEL"),
                          design_model=os.environ.get("ADA_T5_DESIGN_MODEL"), pool=os.environ.get("ADA_T5_POOL"))
demo = build_app(models)

if __name__ == "__main__":
    demo.launch()
