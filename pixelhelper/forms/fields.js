// Every form field of the page: what a person reads about it, and a CSS selector for it.
// Run by pixelhelper.forms.fill through Playwright's page.evaluate.
() => {
  const out = [];
  const esc = (s) => (window.CSS && CSS.escape) ? CSS.escape(s) : s.replace(/[^\w-]/g, '\\$&');
  const unique = (id, root) => id && (root || document).querySelectorAll('#' + esc(id)).length === 1;
  const selectorOf = (el) => {
    const root = el.getRootNode();
    if (root !== document) {  // inside a shadow root: Playwright's CSS pierces open ones
      if (unique(el.id, root) && unique(el.id)) return '#' + esc(el.id);
      const name = el.getAttribute('name');
      if (name) return root.host.tagName.toLowerCase() + ' ' + el.tagName.toLowerCase()
        + '[name="' + name.replace(/"/g, '\\"') + '"]';
    }
    if (unique(el.id)) return '#' + esc(el.id);
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && node !== document.documentElement) {
      if (unique(node.id)) { parts.unshift('#' + esc(node.id)); break; }
      let part = node.tagName.toLowerCase();
      const parent = node.parentElement;
      const same = parent ? [...parent.children].filter(c => c.tagName === node.tagName) : [];
      if (same.length > 1) part += ':nth-of-type(' + (same.indexOf(node) + 1) + ')';
      parts.unshift(part);
      node = parent;
    }
    return parts.join(' > ');
  };
  const labelOf = (el) => {
    const texts = [];
    if (el.labels) for (const l of el.labels) texts.push(l.innerText || l.textContent || '');
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      for (const id of by.split(/\s+/)) {
        const n = document.getElementById(id);
        if (n) texts.push(n.textContent || '');
      }
    }
    return texts.join(' ').trim().slice(0, 200);
  };
  const secret = /cc-|card|cvc|cvv|iban/i;
  // the fields of the document and of every open shadow root in it (web components)
  const fieldsIn = (root, found) => {
    for (const el of root.querySelectorAll('input, textarea')) found.push(el);
    for (const host of root.querySelectorAll('*')) {
      if (host.shadowRoot && found.length < 400) fieldsIn(host.shadowRoot, found);
    }
    return found;
  };
  for (const el of fieldsIn(document, []).slice(0, 400)) {
    const style = window.getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const form = el.form;
    const fields = form ? [...form.elements] : [];
    out.push({
      tag: el.tagName.toLowerCase(),
      type: (el.getAttribute('type') || '').toLowerCase(),
      autocomplete: el.getAttribute('autocomplete') || '',
      name: el.getAttribute('name') || '',
      id: el.id || '',
      placeholder: el.getAttribute('placeholder') || '',
      aria_label: el.getAttribute('aria-label') || '',
      label: labelOf(el),
      hidden: style.display === 'none' || style.visibility === 'hidden'
        || rect.width === 0 || rect.height === 0,
      disabled: !!el.disabled,
      readonly: !!el.readOnly,
      selector: selectorOf(el),
      form: form ? selectorOf(form) : null,
      action: form ? (form.getAttribute('action') || '') : null,
      payment: fields.some(f => secret.test(
        (f.getAttribute('autocomplete') || '') + ' ' + (f.name || '') + ' ' + (f.id || ''))),
    });
  }
  return out;
}
