// hayloft's browser UI: plain JS over the JSON API (/api) — no framework, no build step, nothing fetched
// from elsewhere. Views are chosen by the URL hash (#/collections, #/c/NAME, #/ask, #/compare, #/runs,
// #/run/ID, #/plan, #/doc/ID?chunk=C&quote=Q). Every string from the server goes through esc().
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const main = $('#main');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const fmtBytes = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + ' GiB' : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + ' MiB' : n >= 1024 ? (n / 1024).toFixed(1) + ' KiB' : n + ' B';
const fmtS = (s) => (s ?? 0).toFixed(2) + ' s';
const fmtUsd = (x) => '$' + (x ?? 0).toFixed(x < 0.01 ? 5 : 3);

function toast(msg) {
  const t = $('#toast');
  t.textContent = msg;
  t.style.display = 'block';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.style.display = 'none'; }, 4000);
}

// --- API -----------------------------------------------------------------------------------------------
function headers(extra = {}) {
  const h = { ...extra };
  const tok = localStorage.getItem('hayloft-token');
  if (tok) h.Authorization = 'Bearer ' + tok;
  return h;
}

async function api(method, path, body) {
  const opts = { method, headers: headers(body ? { 'Content-Type': 'application/json' } : {}) };
  if (body) opts.body = JSON.stringify(body);
  const res = await fetch(path, opts);
  if (res.status === 401) { askToken(); throw new Error('a token is required'); }
  const doc = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(doc.error ? doc.error.message : res.status + ' ' + res.statusText);
  return doc;
}

function askToken() {
  const tok = prompt('This server needs its bearer token:');
  if (tok) { localStorage.setItem('hayloft-token', tok); route(); }
}

// POSTs JSON and calls onEvent(name, data) for each Server-Sent Event of the reply.
async function stream(path, body, onEvent) {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  if (res.status === 401) { askToken(); throw new Error('a token is required'); }
  if (!res.ok) {
    const doc = await res.json().catch(() => ({}));
    throw new Error(doc.error ? doc.error.message : String(res.status));
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let name = 'message'; const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

async function collectionNames() {
  const { collections } = await api('GET', '/api/collections');
  return collections;
}

function collectionSelect(cols, selected) {
  if (!cols.length) return '<span class="warn">No collections yet — create one and upload documents first.</span>';
  return '<select id="collection" aria-label="collection">' + cols.map((c) =>
    `<option value="${esc(c.name)}"${c.name === selected ? ' selected' : ''}>${esc(c.name)} (${c.documents} docs, ${c.tokens} tokens)</option>`).join('') + '</select>';
}

// --- collections -----------------------------------------------------------------------------------
async function viewCollections() {
  const cols = await collectionNames();
  main.innerHTML = `<h1>Collections</h1>
  <form class="card row" id="create"><label for="newname">New collection</label>
    <input type="text" id="newname" required pattern="[A-Za-z0-9_.\\-]{1,64}" placeholder="name">
    <button>Create</button></form>
  <div class="card"><table><thead><tr><th>Name</th><th class="num">Documents</th><th class="num">Chunks</th>
  <th class="num opt">Size</th><th class="num opt">Tokens</th><th></th></tr></thead><tbody>
  ${cols.map((c) => `<tr><td><a href="#/c/${encodeURIComponent(c.name)}">${esc(c.name)}</a></td><td class="num">${c.documents}</td>
    <td class="num">${c.chunks}</td><td class="num opt">${fmtBytes(c.bytes)}</td><td class="num opt">${c.tokens}</td>
    <td><button class="danger" data-del="${esc(c.name)}">Delete</button></td></tr>`).join('') ||
    '<tr><td colspan="6" class="muted">None yet.</td></tr>'}
  </tbody></table></div>`;
  $('#create').onsubmit = async (e) => {
    e.preventDefault();
    const name = $('#newname').value.trim();
    try { await api('POST', '/api/collections', { name }); location.hash = '#/c/' + encodeURIComponent(name); } catch (err) { toast(err.message); }
  };
  main.querySelectorAll('[data-del]').forEach((b) => { b.onclick = async () => {
    if (!confirm(`Delete collection ${b.dataset.del} and all its documents?`)) return;
    try { await api('DELETE', '/api/collections/' + encodeURIComponent(b.dataset.del)); viewCollections(); } catch (err) { toast(err.message); }
  }; });
}

async function viewCollection(name) {
  const { documents } = await api('GET', `/api/collections/${encodeURIComponent(name)}/documents`);
  main.innerHTML = `<h1>${esc(name)}</h1>
  <div class="card"><div class="drop" id="drop" tabindex="0" role="button" aria-label="upload files">
    Drop files here, or press Enter to choose (text, Markdown, HTML, code, PDF, DOCX)
    <input type="file" id="files" multiple hidden></div>
    <progress id="prog" max="100" value="0" hidden></progress><div id="upres" aria-live="polite"></div></div>
  <div class="row"><a href="#/ask?c=${encodeURIComponent(name)}"><button class="plain">Ask this collection</button></a></div>
  <div class="card"><table><thead><tr><th>Document</th><th class="opt">Type</th><th class="num">Chunks</th><th class="num opt">Size</th><th></th></tr></thead><tbody>
  ${documents.map((d) => `<tr><td><a href="#/doc/${d.id}">${esc(d.title || d.path.split('/').pop())}</a><div class="muted">${esc(d.path.split('/').pop())}</div></td>
    <td class="opt">${esc(d.type)}</td><td class="num">${d.chunks}</td><td class="num opt">${fmtBytes(d.size)}</td>
    <td><button class="danger" data-doc="${d.id}">Remove</button></td></tr>`).join('') || '<tr><td colspan="5" class="muted">No documents yet.</td></tr>'}
  </tbody></table></div>`;
  const drop = $('#drop'); const input = $('#files');
  drop.onclick = () => input.click();
  drop.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } };
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); upload(name, e.dataTransfer.files); };
  input.onchange = () => upload(name, input.files);
  main.querySelectorAll('[data-doc]').forEach((b) => { b.onclick = async () => {
    try { await api('DELETE', '/api/documents/' + b.dataset.doc); viewCollection(name); } catch (err) { toast(err.message); }
  }; });
}

function upload(name, files) {
  if (!files.length) return;
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  const xhr = new XMLHttpRequest();
  const prog = $('#prog'); const out = $('#upres');
  prog.hidden = false; prog.value = 0;
  out.textContent = `Uploading ${files.length} file(s)…`;
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) prog.value = (100 * e.loaded) / e.total; };
  xhr.upload.onload = () => { out.textContent = 'Reading, chunking and indexing…'; };
  xhr.onload = () => {
    prog.hidden = true;
    let doc = {};
    try { doc = JSON.parse(xhr.responseText); } catch (e) { /* shown below */ }
    if (xhr.status >= 400) { out.innerHTML = `<p class="error">${esc(doc.error ? doc.error.message : xhr.status)}</p>`; return; }
    const errs = (doc.errors || []).map((e) => `<li class="error">${esc(e.file)}: ${esc(e.message)}</li>`).join('');
    sessionStorage.setItem('hayloft-upload', `<p>${doc.added} added, ${doc.replaced} replaced, ${doc.unchanged} unchanged, ${doc.failed} failed; ${doc.chunks} chunks.</p>${errs ? '<ul>' + errs + '</ul>' : ''}`);
    viewCollection(name).then(() => { $('#upres').innerHTML = sessionStorage.getItem('hayloft-upload'); });
  };
  xhr.onerror = () => { prog.hidden = true; out.innerHTML = '<p class="error">upload failed (connection)</p>'; };
  xhr.open('POST', `/api/collections/${encodeURIComponent(name)}/documents`);
  const tok = localStorage.getItem('hayloft-token');
  if (tok) xhr.setRequestHeader('Authorization', 'Bearer ' + tok);
  xhr.send(form);
}

// --- ask -----------------------------------------------------------------------------------------------
// The answer with each [Cn] marker turned into a link to the cited passage.
function answerHtml(text, citations) {
  const byMarker = new Map((citations || []).map((c) => [c.marker, c]));
  return esc(text).replace(/\[C(\d+)\]/g, (m, n) => {
    const c = byMarker.get(Number(n));
    if (!c) return m;
    return `<a class="cite" href="${citeHref(c)}" title="${esc(c.document.split('/').pop())}">[C${n}]</a>`;
  });
}
const citeHref = (c) => `#/doc/${c.document_id}?chunk=${c.chunk_id}&quote=${encodeURIComponent(c.quote || '')}`;

function citationsHtml(citations) {
  if (!citations || !citations.length) return '<p class="muted">No citations.</p>';
  return '<ol class="cites">' + citations.map((c) => `<li><a href="${citeHref(c)}">[C${c.marker}] ${esc(c.document.split('/').pop())}</a>
    <span class="muted">chunk ${c.chunk_id}${c.quote ? ' — “' + esc(c.quote.slice(0, 120)) + '”' : ''}</span></li>`).join('') + '</ol>';
}

function metricsHtml(d) {
  const hosted = (d.cost && d.cost.hosted) || [];
  return `<p class="muted">${d.prompt_tokens} prompt tokens, ${d.generated_tokens} generated · first token ${fmtS(d.time_to_first_token_s)} ·
    total ${fmtS(d.total_s)} · peak RSS ${fmtBytes(d.peak_rss_bytes)} · KV ${fmtBytes(d.kv_bytes)}${hosted.length ? ' · hosted ' + hosted.map((h) => esc(h.model) + ' ' + fmtUsd(h.total_usd)).join(', ') : ''} · run <a href="#/run/${d.run_id}">${d.run_id}</a></p>`;
}

async function viewAsk(params) {
  const cols = await collectionNames();
  const sel = params.get('c') || (cols[0] && cols[0].name);
  main.innerHTML = `<h1>Ask</h1><form class="card" id="askf">
    <div class="row"><label for="collection">Collection</label> ${collectionSelect(cols, sel)}
    <label for="mode">Mode</label><select id="mode"><option value="auto">auto</option><option value="rag">rag (retrieval)</option><option value="lc">lc (whole collection)</option></select>
    <label for="maxtok">Max tokens</label><input type="number" id="maxtok" value="128" min="1" max="4096" style="width:6rem"></div>
    <p><label for="q" class="muted">Question</label><textarea id="q" required placeholder="e.g. In what year was Nikola Tesla born?"></textarea></p>
    <div class="row"><button id="go">Ask</button><span id="fit" class="warn" aria-live="polite"></span></div></form>
    <div class="card" id="out" hidden><div id="status" class="muted" aria-live="polite"></div>
    <div class="answer" id="answer"></div><div id="reason"></div><h2>Sources</h2><div id="cites"></div><div id="metrics"></div></div>`;
  const checkFit = async () => {
    $('#fit').textContent = '';
    const c = $('#collection'); if (!c || $('#mode').value !== 'lc') return;
    try {
      const plan = await api('GET', '/api/model/plan?collection=' + encodeURIComponent(c.value));
      if (plan.plan && plan.plan.lc && !plan.plan.lc.fits) {
        $('#fit').textContent = `Warning: this collection (${plan.plan.lc.tokens} tokens) does not fit the model's window (${plan.plan.context_room} tokens of room); lc will be refused or truncated.`;
      }
    } catch (err) { /* plan unavailable: no warning */ }
  };
  $('#mode').onchange = checkFit;
  if ($('#collection')) $('#collection').onchange = checkFit;
  $('#askf').onsubmit = async (e) => {
    e.preventDefault();
    if (!$('#collection')) return;
    const body = { collection: $('#collection').value, question: $('#q').value, mode: $('#mode').value, max_tokens: Number($('#maxtok').value) };
    $('#out').hidden = false; $('#answer').textContent = ''; $('#reason').innerHTML = ''; $('#cites').innerHTML = ''; $('#metrics').innerHTML = '';
    $('#status').textContent = 'Waiting for the model…'; $('#go').disabled = true;
    let text = '';
    try {
      await stream('/api/ask', body, (ev, d) => {
        if (ev === 'busy') $('#status').textContent = `Busy: position ${d.position} in the queue…`;
        else if (ev === 'start') $('#status').textContent = `Answering with ${d.model} (${d.mode})…`;
        else if (ev === 'token') { text += d.text; $('#answer').textContent = text; }
        else if (ev === 'error') $('#status').innerHTML = `<span class="error">${esc(d.error.message)}</span>`;
        else if (ev === 'done') {
          $('#status').innerHTML = `Route <span class="pill">${esc(d.route)}</span>`;
          $('#answer').innerHTML = answerHtml(d.answer, d.citations.citations);
          $('#reason').innerHTML = `<div class="reason">Why ${esc(d.route)}: ${esc(d.reason)}</div>`;
          $('#cites').innerHTML = citationsHtml(d.citations.citations);
          $('#metrics').innerHTML = metricsHtml(d);
        }
      });
    } catch (err) { $('#status').innerHTML = `<span class="error">${esc(err.message)}</span>`; }
    $('#go').disabled = false;
  };
  checkFit();
}

// --- compare ---------------------------------------------------------------------------------------
function bars(rows, key, label, fmt) {
  const max = Math.max(...rows.map((r) => r[key] || 0), 1e-9);
  return `<h2>${label}</h2><div class="bars">` + rows.map((r) => `<span>${esc(r.mode)}</span>
    <div class="bar${r.mode === 'rag' ? ' alt' : ''}" style="width:${(100 * (r[key] || 0)) / max}%"></div><span class="num">${fmt(r[key] || 0)}</span>`).join('') + '</div>';
}

async function viewCompare() {
  const cols = await collectionNames();
  main.innerHTML = `<h1>Compare long context and retrieval</h1><form class="card" id="cmpf">
    <div class="row"><label for="collection">Collection</label> ${collectionSelect(cols, cols[0] && cols[0].name)}
    <label for="maxtok">Max tokens</label><input type="number" id="maxtok" value="64" min="1" max="4096" style="width:6rem"></div>
    <p><label for="q" class="muted">Question</label><textarea id="q" required></textarea></p><button id="go">Compare</button>
    <span id="status" class="muted" aria-live="polite"></span></form><div class="cols" id="rows"></div><div class="card" id="chart" hidden></div>`;
  $('#cmpf').onsubmit = async (e) => {
    e.preventDefault();
    if (!$('#collection')) return;
    $('#rows').innerHTML = ''; $('#chart').hidden = true; $('#go').disabled = true;
    $('#status').textContent = 'Waiting for the model…';
    const rows = [];
    try {
      await stream('/api/compare', { collection: $('#collection').value, question: $('#q').value, max_tokens: Number($('#maxtok').value) }, (ev, d) => {
        if (ev === 'busy') $('#status').textContent = `Busy: position ${d.position} in the queue…`;
        else if (ev === 'start') $('#status').textContent = 'Running lc, rag and auto…';
        else if (ev === 'error') $('#status').innerHTML = `<span class="error">${esc(d.error.message)}</span>`;
        else if (ev === 'row') {
          const card = document.createElement('div'); card.className = 'card';
          if (d.error) card.innerHTML = `<h2>${esc(d.mode)}</h2><p class="warn">${esc(d.error)}</p>`;
          else {
            rows.push({ mode: d.mode, prompt_tokens: d.prompt_tokens, total_s: d.total_s, peak_rss_bytes: d.peak_rss_bytes,
              usd: (d.cost.hosted[0] || {}).total_usd || 0 });
            card.innerHTML = `<h2>${esc(d.mode)} <span class="pill">${esc(d.route)}</span></h2><div class="answer">${answerHtml(d.answer, d.citations.citations)}</div>
              <div class="reason">${esc(d.reason)}</div>${metricsHtml({ ...d, run_id: '' }).replace(/ · run .*<\/p>/, '</p>')}`;
          }
          $('#rows').appendChild(card);
        } else if (ev === 'done') {
          $('#status').innerHTML = `Stored as run <a href="#/run/${d.run_id}">${d.run_id}</a>`;
          $('#chart').hidden = false;
          $('#chart').innerHTML = bars(rows, 'prompt_tokens', 'Prompt tokens', String) + bars(rows, 'total_s', 'Seconds', fmtS) +
            bars(rows, 'peak_rss_bytes', 'Peak memory', fmtBytes) + bars(rows, 'usd', 'Hosted cost (first configured price)', fmtUsd);
        }
      });
    } catch (err) { $('#status').innerHTML = `<span class="error">${esc(err.message)}</span>`; }
    $('#go').disabled = false;
  };
}

// --- runs, documents, plan -------------------------------------------------------------------------
async function viewRuns() {
  const { runs } = await api('GET', '/api/runs?limit=200');
  main.innerHTML = `<h1>Runs</h1><div class="card"><table><thead><tr><th class="num">ID</th><th>Kind</th><th class="opt">Collection</th>
    <th>Route</th><th>Question</th><th class="num opt">Seconds</th></tr></thead><tbody>${runs.map((r) => `<tr><td class="num"><a href="#/run/${r.id}">${r.id}</a></td>
    <td>${esc(r.kind)}</td><td class="opt">${esc(r.collection)}</td><td>${esc(r.route)}</td><td>${esc(r.question)}</td><td class="num opt">${fmtS(r.total_s)}</td></tr>`).join('') ||
    '<tr><td colspan="6" class="muted">No runs yet.</td></tr>'}</tbody></table></div>`;
}

async function viewRun(id) {
  const r = await api('GET', '/api/runs/' + id);
  const answer = r.result && r.result.answer;
  main.innerHTML = `<h1>Run ${r.id} <span class="pill">${esc(r.kind)}</span></h1><div class="card">
    <p><strong>${esc(r.question)}</strong></p>${answer ? `<div class="answer">${esc(answer)}</div>` : ''}
    ${r.reason ? `<div class="reason">${esc(r.route)}: ${esc(r.reason)}</div>` : ''}
    <h2>Metrics</h2><pre class="doc-text">${esc(JSON.stringify(r.metrics, null, 2))}</pre>
    <h2>Result</h2><pre class="doc-text">${esc(JSON.stringify(r.result, null, 2))}</pre></div>`;
}

// Byte offsets from the server index UTF-8; the page slices the encoded text to honour them.
async function viewDoc(id, params) {
  const d = await api('GET', '/api/documents/' + id);
  const bytes = new TextEncoder().encode(d.text);
  const dec = new TextDecoder();
  const slice = (a, b) => dec.decode(bytes.slice(a, b));
  const chunkId = Number(params.get('chunk') || 0);
  const quote = params.get('quote') || '';
  const ch = d.chunk_list.find((c) => c.id === chunkId);
  let html;
  if (ch) {
    const inner = slice(ch.start, ch.end);
    let innerHtml = esc(inner);
    const at = quote ? inner.indexOf(quote) : -1;
    if (at >= 0) innerHtml = esc(inner.slice(0, at)) + '<mark id="hl">' + esc(quote) + '</mark>' + esc(inner.slice(at + quote.length));
    html = esc(slice(0, ch.start)) + `<span class="chunk-hl" id="chunk">${innerHtml}</span>` + esc(slice(ch.end, bytes.length));
  } else {
    html = esc(d.text);
  }
  main.innerHTML = `<h1>${esc(d.title || d.path.split('/').pop())}</h1><p class="muted">${esc(d.path)} · ${esc(d.type)} · ${d.chunks} chunks ·
    <a href="#/c/${encodeURIComponent(d.collection)}">${esc(d.collection)}</a>${ch ? ` · cited chunk ${ch.ordinal + 1} (bytes ${ch.start}–${ch.end})` : ''}</p>
    <div class="doc-text" id="doctext" tabindex="0">${html}</div>`;
  const target = $('#hl') || $('#chunk');
  if (target) target.scrollIntoView({ block: 'center' });
}

async function viewPlan(params) {
  const cols = await collectionNames();
  main.innerHTML = `<h1>What fits</h1><form class="card row" id="planf"><label for="collection">Collection</label> ${collectionSelect(cols, params.get('c') || (cols[0] && cols[0].name))}
    <span class="muted">or</span><label for="tokens">tokens</label><input type="number" id="tokens" min="0" placeholder="e.g. 100000" style="width:9rem">
    <label for="ctx">context</label><input type="number" id="ctx" min="0" placeholder="model's" style="width:8rem"><button>Plan</button></form><div id="plan"></div>`;
  $('#planf').onsubmit = async (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if ($('#tokens').value) q.set('tokens', $('#tokens').value); else if ($('#collection')) q.set('collection', $('#collection').value);
    if ($('#ctx').value) q.set('context', $('#ctx').value);
    try {
      const p = await api('GET', '/api/model/plan?' + q);
      const lc = p.plan && p.plan.lc;
      $('#plan').innerHTML = `<div class="card">${lc ? `<p class="${lc.fits ? '' : 'warn'}"><strong>Long context ${lc.fits ? 'fits' : 'does not fit'}</strong>: ${lc.tokens} tokens,
        ${p.plan.context_room} tokens of room, about ${fmtBytes(lc.memory_estimate.total_bytes)} of memory.</p>
        <p>Retrieval: top ${p.plan.rag.top_k} passages in ${p.plan.rag.token_budget} tokens, about ${fmtBytes(p.plan.rag.memory_estimate.total_bytes)}.</p>
        <div class="reason">auto: ${esc(p.plan.auto.route)} — ${esc(p.plan.auto.reason)}</div>` : ''}
        <pre class="doc-text">${esc(JSON.stringify(p, null, 2))}</pre></div>`;
    } catch (err) { $('#plan').innerHTML = `<p class="error">${esc(err.message)}</p>`; }
  };
}

// --- routing ---------------------------------------------------------------------------------------
async function route() {
  const hash = location.hash || '#/collections';
  const [path, qs] = hash.slice(1).split('?');
  const params = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === parts[0] ||
    (parts[0] === 'c' && a.dataset.view === 'collections') || (parts[0] === 'run' && a.dataset.view === 'runs')));
  try {
    if (parts[0] === 'c' && parts[1]) await viewCollection(parts[1]);
    else if (parts[0] === 'ask') await viewAsk(params);
    else if (parts[0] === 'compare') await viewCompare();
    else if (parts[0] === 'runs') await viewRuns();
    else if (parts[0] === 'run' && parts[1]) await viewRun(Number(parts[1]));
    else if (parts[0] === 'doc' && parts[1]) await viewDoc(Number(parts[1]), params);
    else if (parts[0] === 'plan') await viewPlan(params);
    else await viewCollections();
  } catch (err) {
    main.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}
window.addEventListener('hashchange', route);
route();
