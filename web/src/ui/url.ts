// The URL is the state: every view writes its settings into the query string (replaceState, so
// the back button is not flooded) and reads them back on load.

/** The current query parameters. */
export function currentParams(): URLSearchParams {
  return new URLSearchParams(globalThis.location.search);
}

/** Replaces the query string with `params` (no navigation, no history entry). */
export function replaceParams(params: URLSearchParams): void {
  const q = params.toString();
  const url = `${globalThis.location.pathname}${q ? `?${q}` : ''}${globalThis.location.hash}`;
  globalThis.history.replaceState(null, '', url);
}

/** The shareable address of the current view. */
export function shareUrl(): string {
  return globalThis.location.href;
}

/** Copies text to the clipboard, falling back to a prompt-free selection trick. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}
