"""The interactive demo page (``ada-t5 demo``, and ``app.py`` for a Hugging Face Space).

``views`` builds what the page shows (plain HTML, tested without a browser); ``blocks`` wires it into Gradio.
"""
