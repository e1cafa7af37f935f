// The labelled, keyboard-usable control of a setting (the schema and its URL form are in settings.ts).
import { h, uid } from './dom.js';
import { parseField, type Field, type FieldValue } from './settings.js';

export type { Field, FieldValue, Values } from './settings.js';

/** A field's control wrapped with its label; `onChange` gets the parsed value. */
export function fieldControl(
  f: Field,
  value: FieldValue,
  onChange: (v: FieldValue) => void,
  idPrefix = 'f',
): HTMLElement {
  const id = uid(`${idPrefix}-${f.key.replace(/[^a-zA-Z0-9_-]/g, '-')}`);
  const helpId = f.help ? `${id}-help` : undefined;
  const help = f.help ? h('small', { id: helpId, class: 'help' }, f.help) : null;
  if (f.kind === 'bool') {
    const input = h('input', {
      type: 'checkbox',
      id,
      name: f.key,
      'data-key': f.key,
      'aria-describedby': helpId,
    });
    input.checked = Boolean(value);
    input.addEventListener('change', () => onChange(input.checked));
    return h('div', { class: 'field field-bool' }, input, h('label', { for: id }, f.label), help);
  }
  if (f.kind === 'select') {
    const select = h(
      'select',
      { id, name: f.key, 'data-key': f.key, 'aria-describedby': helpId },
      ...f.options.map(([v, l]) => h('option', { value: v }, l)),
    );
    select.value = String(value);
    select.addEventListener('change', () => onChange(parseField(f, select.value)));
    return h('div', { class: 'field' }, h('label', { for: id }, f.label), select, help);
  }
  const input = h('input', {
    type: 'number',
    id,
    name: f.key,
    'data-key': f.key,
    min: f.min,
    max: f.max,
    step: f.step,
    inputmode: f.integer ? 'numeric' : 'decimal',
    'aria-describedby': helpId,
  });
  input.value = String(value);
  input.addEventListener('change', () => {
    const v = parseField(f, input.value);
    input.value = String(v);
    onChange(v);
  });
  return h('div', { class: 'field' }, h('label', { for: id }, f.label), input, help);
}
