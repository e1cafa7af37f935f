// The playground shell: three views behind tabs, and the URL as the single source of state.
import './style.css';
import { h } from './ui/dom.js';
import { copyText, currentParams, replaceParams, shareUrl } from './ui/url.js';

/** What a view provides to the shell. */
export interface View {
  readonly el: HTMLElement;
  activate(): void;
  deactivate(): void;
  writeParams(params: URLSearchParams): void;
}

type ViewId = 'race' | 'lab' | 'viewer';

const TABS: readonly { id: ViewId; label: string }[] = [
  { id: 'race', label: 'Optimizer race' },
  { id: 'lab', label: 'Gradient lab' },
  { id: 'viewer', label: 'Run viewer' },
];

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('tabs') as HTMLElement;
const views = new Map<ViewId, View>();
let current: ViewId = 'race';

function syncUrl(): void {
  const view = views.get(current);
  if (!view) return;
  const params = new URLSearchParams();
  params.set('view', current);
  view.writeParams(params);
  replaceParams(params);
}

async function load(id: ViewId, params: URLSearchParams): Promise<View> {
  const existing = views.get(id);
  if (existing) return existing;
  const onChange = (): void => {
    if (current === id) syncUrl();
  };
  let view: View;
  // Each view is its own chunk: the race does not pay for the lab's code and vice versa.
  if (id === 'race') view = new (await import('./race/race-view.js')).RaceView(params, onChange);
  else if (id === 'lab') view = new (await import('./lab/lab-view.js')).LabView(params, onChange);
  else view = new (await import('./viewer/viewer-view.js')).ViewerView(params, onChange);
  views.set(id, view);
  return view;
}

const tabButtons = TABS.map((t) =>
  h(
    'button',
    { type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': 'main', 'data-view': t.id },
    t.label,
  ),
);

async function show(id: ViewId, params: URLSearchParams): Promise<void> {
  views.get(current)?.deactivate();
  current = id;
  for (const b of tabButtons) {
    const on = b.dataset['view'] === id;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  const view = await load(id, params);
  if (current !== id) return;
  main.replaceChildren(view.el);
  main.setAttribute('aria-labelledby', `tab-${id}`);
  view.activate();
  syncUrl();
  document.body.dataset['ready'] = id;
}

nav.setAttribute('role', 'tablist');
tabButtons.forEach((b, i) => {
  b.addEventListener('click', () => void show(b.dataset['view'] as ViewId, new URLSearchParams()));
  b.addEventListener('keydown', (e) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    const next = tabButtons[(i + d + tabButtons.length) % tabButtons.length] as HTMLButtonElement;
    next.focus();
    next.click();
  });
  nav.append(b);
});

const shareButton = document.getElementById('share') as HTMLButtonElement;
shareButton.addEventListener('click', async () => {
  syncUrl();
  const ok = await copyText(shareUrl());
  shareButton.textContent = ok ? 'Link copied' : 'Copy failed: use the address bar';
  setTimeout(() => (shareButton.textContent = 'Copy link'), 2000);
});

const initial = currentParams();
const first = initial.get('view');
void show(first === 'lab' || first === 'viewer' ? first : 'race', initial);
