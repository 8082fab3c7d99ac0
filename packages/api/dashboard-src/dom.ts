// DOM helpers. Every value the dashboard shows may come from an untrusted
// party (webhook receivers write response bodies, tenants write metadata and
// descriptions), so elements are built with createElement and text nodes
// only, never by parsing HTML.

/** The one element `selector` names; a missing one is a bug in the page, not a state to handle. */
export function $<E extends Element = HTMLElement>(selector: string): E {
  const el = document.querySelector<E>(selector);
  if (!el) throw new Error(`missing ${selector}`);
  return el;
}

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  dataset?: Record<string, string>;
  onclick?: (event: MouseEvent) => void;
  title?: string;
  type?: string;
  disabled?: boolean;
  value?: string;
  colSpan?: number;
  /** any other attribute, set as a string */
  [attribute: string]: unknown;
}

/** Set as DOM properties; every other name becomes an attribute. */
const PROPERTIES = new Set(['title', 'type', 'disabled', 'value', 'colSpan']);

/** A DOM element with safe properties (never HTML) and text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = String(value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'onclick') (el as HTMLElement).addEventListener('click', value as (event: MouseEvent) => void);
    else if (PROPERTIES.has(name)) (el as unknown as Record<string, unknown>)[name] = value;
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
