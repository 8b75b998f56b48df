"""The page's CSS and the small scripts of the HTML views (no remote resources)."""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
footer { display: none !important; }
#conv-id { display: none !important; }
#conv-list label { width: 100%; }
.gap-card { border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: .8rem 1rem; margin: 0 0 .9rem; background: var(--background-fill-primary); }
.gap-card h3 { margin: 0 0 .2rem; font-size: 1.05rem; }
.gap-count, .gap-docs-label { color: var(--body-text-color-subdued); font-size: .9rem; }
.gap-docs code { font-size: .8rem; }
.gap-draft { border: 1px solid var(--color-accent); color: var(--color-accent);
  border-radius: 8px; padding: .3rem .8rem; background: transparent; cursor: pointer; }
#app-header h1 { margin: 0; font-size: 1.6rem; color: var(--color-accent); }
#app-header p { margin: .2rem 0 0; color: var(--body-text-color-subdued); }
#role-status p { margin: 0; font-size: .9rem; }
#key-row { align-items: flex-end; }
#key-apply { max-height: 42px; align-self: flex-end; }
.up-icon { display: inline-block; width: 1.1em; }
.up-ok .up-icon { color: #18794e; }
.up-error .up-icon { color: #a11; }
#chat { min-height: 420px; }
.chat-empty { padding: 2.5rem 1.5rem; text-align: center; color: var(--body-text-color-subdued);
  border: 1px dashed var(--border-color-primary); border-radius: 12px; }
.turn { margin: 0 0 1.2rem; }
.msg { padding: .75rem 1rem; border-radius: 12px; margin: .4rem 0; line-height: 1.55; }
.msg .who { font-size: .75rem; font-weight: 600; text-transform: uppercase; opacity: .65;
  letter-spacing: .04em; margin-bottom: .25rem; }
.msg-user { background: var(--color-accent-soft); margin-left: 18%; }
.user-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.msg-bot { background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); margin-right: 6%; }
.answer-text p { margin: .3rem 0; }
.answer-text, .draft-text { overflow-wrap: anywhere; }
.thinking { font-style: italic; opacity: .7; }
a.cite { display: inline-block; padding: 0 .25rem; margin: 0 .05rem; border-radius: 6px;
  background: var(--color-accent-soft); color: var(--color-accent); font-weight: 600;
  font-size: .85em; text-decoration: none; cursor: pointer; }
a.cite:hover { background: var(--color-accent); color: white; }
.sources { margin-top: .6rem; }
.sources-h { font-size: .8rem; font-weight: 600; text-transform: uppercase; opacity: .7;
  margin-bottom: .25rem; }
details.src { border: 1px solid var(--border-color-primary); border-radius: 8px;
  margin: .3rem 0; background: var(--background-fill-primary); }
details.src > summary { cursor: pointer; padding: .4rem .6rem; list-style: none; }
details.src > summary::-webkit-details-marker { display: none; }
details.src > summary::before { content: "▸ "; opacity: .6; }
details.src[open] > summary::before { content: "▾ "; }
details.src.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-title { font-weight: 600; }
.src-meta { font-size: .8rem; opacity: .7; margin-left: .3rem; }
.src-body { padding: 0 .8rem .6rem; }
.src-label { font-size: .75rem; text-transform: uppercase; opacity: .6; }
blockquote.src-passage { margin: .3rem 0; padding: .3rem .7rem;
  border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary);
  font-size: .92rem; overflow-wrap: anywhere; }
.src-body blockquote.src-passage { margin: .3rem 0 !important; }
blockquote.src-passage p { margin: .25rem 0 !important; }
blockquote.src-passage ul, blockquote.src-passage ol { margin: .25rem 0 .25rem 1.2rem; }
.src-foot { font-size: .8rem; opacity: .85; display: flex; gap: .8rem; flex-wrap: wrap; }
.notice { padding: .5rem .8rem; border-radius: 8px; margin: .4rem 0; font-size: .92rem; }
.notice-info { background: #e8f1fb; color: #17406d; }
.notice-warn { background: #fff4e0; color: #6b4400; }
.notice-error { background: #fde8e8; color: #7a1c1c; }
.fb { display: flex; align-items: center; gap: .4rem; margin-top: .6rem; flex-wrap: wrap;
  font-size: .88rem; }
.fb-btn { border: 1px solid var(--border-color-primary);
  background: var(--background-fill-primary); color: var(--body-text-color-subdued);
  border-radius: 8px; padding: .25rem .5rem; cursor: pointer; line-height: 0; }
.fb-done svg { vertical-align: -3px; color: var(--color-accent); }
.fb-btn:hover { background: var(--color-accent-soft); }
.fb-comment { flex: 1; min-width: 180px; padding: .25rem .5rem; border-radius: 8px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); }
.fb.sending { opacity: .5; pointer-events: none; }
.fb-done { opacity: .8; }
.fb-err { color: #a11; }
.example-btn { font-size: .85rem !important; }
.draft-meta { font-size: .85rem; opacity: .75; margin-bottom: .4rem; }
.draft-text { padding: .8rem 1rem; border: 1px solid var(--border-color-primary);
  border-radius: 12px; background: var(--background-fill-primary); }
.docs-wrap { max-height: 420px; overflow: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; }
table.docs { width: 100%; border-collapse: collapse; font-size: .85rem; margin: 0; }
table.docs th { position: sticky; top: 0; background: var(--background-fill-secondary);
  text-align: left; }
#docs-table table.docs th, #docs-table table.docs td { padding: .3rem .5rem; border: none;
  border-bottom: 1px solid var(--border-color-primary); }
table.docs td:nth-child(n+3) { white-space: nowrap; }
table.docs td:first-child { font-family: var(--font-mono); font-size: .8rem;
  overflow-wrap: anywhere; }
table.docs tr.st-pending td { color: #8a5a00; }
#docs-bar { align-items: center; }
#docs-refresh { max-width: 220px; }
.index-status { display: flex; align-items: center; gap: .6rem; font-size: .85rem;
  margin: .2rem 0 .5rem; }
.index-status progress { width: 220px; accent-color: var(--color-accent); }
.docs-count { font-size: .85rem; opacity: .8; margin: .3rem 0; }
ul.uploads { list-style: none; padding: 0; margin: .3rem 0; font-size: .9rem; }
"""

# Runs once per view (``element`` is the view's root; its content is re-rendered on
# every update, so listeners are delegated). Clicking [n] opens and shows the source;
# a thumb sends {action: "feedback", ...} to Python through trigger().
CHAT_JS = """
element.addEventListener('click', (ev) => {
  const cite = ev.target.closest('a.cite');
  if (cite) {
    ev.preventDefault();
    const box = element.querySelector('#' + CSS.escape(cite.dataset.target));
    if (box) {
      box.open = true;
      box.classList.add('flash');
      box.scrollIntoView({block: 'nearest'});
      setTimeout(() => box.classList.remove('flash'), 1600);
    }
    return;
  }
  const btn = ev.target.closest('button.fb-btn');
  if (btn) {
    const bar = btn.closest('.fb');
    const note = bar.querySelector('.fb-comment');
    bar.classList.add('sending');
    trigger('click', {action: 'feedback', answer_id: bar.dataset.answer,
                      rating: btn.dataset.rating, comment: note ? note.value : ''});
  }
});
element.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.classList.contains('fb-comment')) ev.preventDefault();
});
"""

SOURCES_JS = """
element.addEventListener('click', (ev) => {
  const cite = ev.target.closest('a.cite');
  if (!cite) return;
  ev.preventDefault();
  const box = element.querySelector('#' + CSS.escape(cite.dataset.target));
  if (box) { box.open = true; box.scrollIntoView({block: 'nearest'}); }
});
"""
