"""``ada-t5 demo``: an interactive page to try a checkpoint in the browser (Gradio).

    ada-t5 demo --model outputs/demo            # the checkpoint `make finetune` writes
    ada-t5 demo --caption_model runs/mol2text --design_model runs/text2mol --pool chebi20/train.txt

``--pool`` names known molecules (a pair file or a SMILES list) for the Design tab's "nearest known molecule";
a retrieval-augmented checkpoint brings its own pool. Needs ``pip install 'ada-t5[demo]'``.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="checkpoint folder or Hub id, for both tabs")
    parser.add_argument("--caption_model", default=None, help="checkpoint for the Caption tab (default: --model)")
    parser.add_argument("--design_model", default=None, help="checkpoint for the Design tab (default: --model)")
    parser.add_argument("--pool", default=None,
                        help="known molecules for the nearest-molecule search (pair file or SMILES list)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 to share on a network)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on")
    parser.add_argument("--device", default="auto", help="auto (CUDA when available), cpu or cuda")
    parser.add_argument("--max_source_length", type=int, default=512,
                        help="longest input (tokens) the model reads; longer ones are cut with a visible note")
    parser.add_argument("--share", action="store_true", help="also open a public Gradio share link")


def run(args: argparse.Namespace) -> int:
    from ada_t5.app.blocks import build_app, import_gradio, load_page_models

    import_gradio()  # fail before loading the model when the extra is missing
    models = load_page_models(args.model, caption_model=args.caption_model, design_model=args.design_model,
                              pool=args.pool, device=args.device)
    page = build_app(models, source_limit=args.max_source_length)
    print(f"ada-t5 demo on http://{args.host}:{args.port}  (Ctrl+C stops it)", flush=True)
    page.launch(server_name=args.host, server_port=args.port, share=args.share, show_error=False)
    return 0
