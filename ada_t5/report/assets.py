"""The report page's style sheet and script (inline in the page, allowed by its CSP nonce).

The script: decompress the rows (gzip + base64, :mod:`ada_t5.report.rows`) with ``DecompressionStream``; sort
and filter them (controls, or the address fragment); show one page of rows, built with ``textContent`` only;
draw that page's molecules (compact SVG bodies as ``data:`` images, so an SVG can never run script in the
page). It leaves its state on ``<body>`` (``data-ready``, ``data-shown``, ``data-page``, ``data-drawn``,
``data-images-loaded``) and Performance API marks (``ada-t5:rows-shown``, ``ada-t5:first-page-drawn``) for the
tests and bench/report_scale.py.
"""

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0}.meta{color:#666}
table.metrics{border-collapse:collapse;margin:.5em 0}table.metrics th,table.metrics td{padding:2px 10px;
border-bottom:1px solid #ddd;text-align:left}table.metrics caption{text-align:left;color:#666}
.notes{color:#666;font-size:.9em}.plots{display:flex;flex-wrap:wrap;gap:1em}.plot{max-width:560px}
.controls{position:sticky;top:0;background:#f6f6f6;padding:.5em;display:flex;flex-wrap:wrap;gap:1em;z-index:1;
align-items:center}.controls.bottom{position:static}
.controls input[type=number]{width:5em}.pager{margin-left:auto}.error{color:#a33}
table.examples{border-collapse:collapse;width:100%}table.examples td,table.examples th{border-bottom:1px solid #ddd;
padding:6px;vertical-align:top;text-align:left}td.text{max-width:420px;white-space:pre-wrap;word-break:break-word}
td.molcell code{display:block;max-width:270px;word-break:break-all;font-size:.85em}.idx{color:#888}
img.mol{display:block;width:260px;height:190px}
.noimg{width:260px;height:60px;display:flex;align-items:center;justify-content:center;background:#fbeaea;
color:#a33}.badge{display:inline-block;margin:3px 3px 0 0;padding:0 6px;border-radius:8px;font-size:.8em}
.bad{background:#f4c7c7;color:#7a1010}.good{background:#cdeccd;color:#145214}tr[data-invalid="1"]{background:#fff6f6}
.scores div{white-space:nowrap}mark.fact.wrong{background:#f4c7c7;color:#7a1010;border-radius:3px}
span.fact.right{border-bottom:1px dotted #2a7a2a}.factsum{margin:.3em 0}
"""

JS = r"""
(function(){
  'use strict';
  const $ = id => document.getElementById(id);
  const body = document.body, task = body.dataset.task, PAGE = +body.dataset.pageSize || 50;
  let data = null, view = [], page = 0, drawing = 0, firstDrawn = false;

  function el(tag, cls, text) {  // every string from the file goes through here: textContent, never markup
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  const fmt = (key, v) => v === null || v === undefined ? '–'
    : (key === 'levenshtein' && Number.isInteger(v) ? String(v) : Number(v).toFixed(3));

  async function load() {
    const text = $('data').textContent.trim();
    if (typeof DecompressionStream === 'undefined')
      throw new Error('this browser cannot decompress the rows (DecompressionStream: Chrome 80, Firefox 113, Safari 16.4 or later)');
    let bytes;
    if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(text);
    else {
      const binary = atob(text);
      bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(stream).text());
  }

  function picture(index, alt, missing, images) {
    if (index < 0) return el('div', 'noimg', missing);
    const img = el('img', 'mol');
    img.width = 260; img.height = 190; img.alt = alt;
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(data.frame[0] + data.drawings[index] + data.frame[1]);
    images.push(img);
    return img;
  }
  function molCell(index, smiles, missing, images) {
    const td = el('td', 'molcell');
    td.append(picture(index, smiles, missing, images), el('code', null, smiles));
    return td;
  }
  function neighbours(row) {
    if (!row.nb || !row.nb.length) return [];
    const box = el('details', 'neighbours'), list = el('ol');
    box.append(el('summary', null, 'retrieved neighbours (' + row.nb.length + ')'), list);
    for (const [score, text] of row.nb) {
      const item = el('li');
      item.append(el('span', 'score', fmt('', score)), ' ', text === null || text === undefined ? '' : String(text));
      list.append(item);
    }
    return [box];
  }
  function caption(td, text, facts) {  // the caption with its checked facts marked (offsets in code points)
    const chars = Array.from(text);
    let at = 0;
    for (const [start, end, ok, kind, truth] of (facts || []).slice().sort((x, y) => x[0] - y[0])) {
      td.append(chars.slice(at, start).join(''));
      const mark = ok ? el('span', 'fact right', chars.slice(start, end).join(''))
                      : el('mark', 'fact wrong', chars.slice(start, end).join(''));
      mark.title = ok ? 'checked: true' : 'wrong ' + kind + '; RDKit: ' + truth;
      td.append(mark);
      at = end;
    }
    td.append(chars.slice(at).join(''));
  }
  function scoreList(keys, row) {
    const td = el('td', 'scores');
    for (const key of keys) {
      const line = el('div');
      line.append(el('b', null, key), ' ' + fmt(key, row.s[key]));
      td.append(line);
    }
    return td;
  }
  function rowElement(row, images) {
    const tr = el('tr', 'example');
    tr.dataset.row = row.i; tr.dataset.invalid = row.bad;
    tr.append(el('td', 'idx', row.i + 1));
    if (task === 'text2mol') {
      const text = el('td', 'text', row.in);
      text.append(...neighbours(row));
      const out = molCell(row.img[1], row.out, 'invalid: not drawn', images);
      if (row.bad) out.append(el('span', 'badge bad', 'invalid SMILES'));
      if (row.ex) out.append(el('span', 'badge good', 'exact match'));
      tr.append(text, molCell(row.img[0], row.ref, 'reference cannot be drawn', images), out,
                scoreList(['morgan', 'maccs', 'rdk', 'bleu', 'levenshtein'], row));
    } else {
      const input = molCell(row.img[0], row.in, 'input cannot be drawn', images);
      input.append(...neighbours(row));
      const out = el('td', 'text');
      caption(out, row.out, row.f);
      if (row.bad) out.append(el('span', 'badge bad', 'empty output'));
      if (row.fl) out.append(el('span', 'badge facts ' + (row.f.some(f => !f[2]) ? 'bad' : 'good'), row.fl));
      tr.append(input, el('td', 'text', row.ref), out, scoreList(data.keys, row));
    }
    return tr;
  }

  const value = row => key => { const v = row.s[key]; return v === undefined || v === null ? null : v; };
  function apply(resetPage) {
    const key = $('sort').value, desc = $('dir').dataset.dir === 'desc';
    const lo = $('min').value === '' ? null : +$('min').value, hi = $('max').value === '' ? null : +$('max').value;
    const onlyInvalid = $('invalid').checked, q = $('q').value.toLowerCase();
    view = data.rows.filter(row => {
      const v = key === 'row' ? null : value(row)(key);
      if (onlyInvalid && !row.bad) return false;
      if (lo !== null && !(v !== null && v >= lo)) return false;
      if (hi !== null && !(v !== null && v <= hi)) return false;
      if (q) {
        if (row.q === undefined) row.q = (row.in + '\n' + row.ref + '\n' + row.out).toLowerCase();
        if (!row.q.includes(q)) return false;
      }
      return true;
    });
    view.sort((a, b) => {
      if (key === 'row') return (desc ? -1 : 1) * (a.i - b.i);
      const x = value(a)(key), y = value(b)(key);
      if (x === null && y === null) return a.i - b.i;
      if (x === null) return 1;
      if (y === null) return -1;
      return (desc ? y - x : x - y) || a.i - b.i;
    });
    if (resetPage) page = 0;
    show();
  }
  const pageCount = () => Math.max(1, Math.ceil(view.length / PAGE));
  function show() {
    page = Math.min(Math.max(page, 0), pageCount() - 1);
    const start = page * PAGE, rows = view.slice(start, start + PAGE), images = [];
    const fragment = document.createDocumentFragment();
    for (const row of rows) fragment.append(rowElement(row, images));
    $('rows').replaceChildren(fragment);  // only this page's rows and drawings exist in the document
    $('shown').textContent = view.length + ' of ' + data.rows.length + ' shown';
    for (const nav of document.querySelectorAll('.pager')) {
      nav.querySelector('.where').textContent = view.length
        ? 'page ' + (page + 1) + ' of ' + pageCount() + ' (rows ' + (start + 1) + '–' + (start + rows.length) + ')'
        : 'no rows';
      nav.querySelector('.prev').disabled = page === 0;
      nav.querySelector('.next').disabled = page >= pageCount() - 1;
    }
    Object.assign(body.dataset, {shown: view.length, page: page + 1, pages: pageCount(), drawn: ''});
    const token = ++drawing;
    Promise.all(images.map(img => img.decode().then(() => true, () => false))).then(decoded => {
      if (token !== drawing) return;  // a newer page replaced this one meanwhile
      requestAnimationFrame(() => {
        const loaded = decoded.filter(Boolean).length;
        Object.assign(body.dataset, {imagesLoaded: loaded, imagesBroken: decoded.length - loaded, drawn: page + 1});
        if (!firstDrawn) { firstDrawn = true; performance.mark('ada-t5:first-page-drawn'); body.dataset.ready = '1'; }
      });
    });
  }
  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    const sort = (params.get('sort') || '').toLowerCase();
    const option = Array.from($('sort').options).find(o => o.value.toLowerCase() === sort);
    if (option) $('sort').value = option.value;
    const asc = params.get('dir') === 'asc';
    if (params.has('dir')) { $('dir').dataset.dir = asc ? 'asc' : 'desc'; $('dir').textContent = asc ? 'ascending' : 'descending'; }
    for (const id of ['min', 'max', 'q']) if (params.has(id)) $(id).value = params.get(id);
    if (params.has('invalid')) $('invalid').checked = params.get('invalid') === '1';
    page = params.has('page') ? (parseInt(params.get('page'), 10) || 1) - 1 : 0;
  }

  load().then(loaded => {
    data = loaded;
    readFragment();
    apply(false);
    performance.mark('ada-t5:rows-shown');
    $('dir').addEventListener('click', () => {
      const asc = $('dir').dataset.dir === 'desc';
      $('dir').dataset.dir = asc ? 'asc' : 'desc'; $('dir').textContent = asc ? 'ascending' : 'descending';
      apply(true);
    });
    for (const id of ['sort', 'min', 'max', 'invalid', 'q']) $(id).addEventListener('input', () => apply(true));
    for (const nav of document.querySelectorAll('.pager')) {
      const bottom = nav.parentElement.classList.contains('bottom');
      const go = step => () => {
        page += step; show();
        if (bottom) document.querySelector('table.examples').scrollIntoView();
      };
      nav.querySelector('.prev').addEventListener('click', go(-1));
      nav.querySelector('.next').addEventListener('click', go(1));
    }
    window.addEventListener('hashchange', () => { readFragment(); apply(false); });
  }).catch(error => {
    $('shown').textContent = 'cannot show the examples: ' + error.message;
    $('shown').className = 'error';
    body.dataset.error = error.message;
  });
})();
"""
