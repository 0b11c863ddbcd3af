// Building DOM without HTML strings: every piece of text (container, host and label names
// included) becomes a text node, so nothing a host reports can ever be parsed as markup.
// This file is the only place the page creates elements; innerHTML is never used.

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined | null>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'hidden') node.hidden = true;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

export function append(node: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Sets an element's text only when it changed (cheap to call on every refresh). */
export function text(node: HTMLElement, value: string): void {
  if (node.textContent !== value) node.textContent = value;
}

/** An in-page link: a real href (open in a new tab works) that navigates without reload. */
export function link(href: string, children: Child[], attrs: Attrs = {}): HTMLAnchorElement {
  return el('a', { ...attrs, href, 'data-nav': '' }, children);
}
