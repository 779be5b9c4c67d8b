/**
 * Typed option declarations in the spirit of oslo.config: each option knows its default, how to
 * parse its INI text and how to describe the form it expects, so that a bad value is reported as
 * "[section] option: expected <form>".
 */
export interface Opt<T> {
  readonly default: T;
  readonly expected: string;
  readonly help: string;
  /** Returns the parsed value, or undefined when the text is not of the expected form. */
  parse(text: string): T | undefined;
}

export type OptValue<O> = O extends Opt<infer T> ? T : never;

interface NumberBounds {
  min?: number;
  max?: number;
}

function describeBounds(kind: string, { min, max }: NumberBounds): string {
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  if (min !== undefined) return `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

function withinBounds(value: number, { min, max }: NumberBounds): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

export function intOpt(defaultValue: number, help: string, bounds: NumberBounds = {}): Opt<number> {
  return {
    default: defaultValue,
    help,
    expected: describeBounds('an integer', bounds),
    parse(text) {
      if (!/^[-+]?\d+$/.test(text.trim())) return undefined;
      const value = Number(text);
      return withinBounds(value, bounds) ? value : undefined;
    },
  };
}

export function floatOpt(defaultValue: number, help: string, bounds: NumberBounds = {}): Opt<number> {
  return {
    default: defaultValue,
    help,
    expected: describeBounds('a number', bounds),
    parse(text) {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return undefined;
      const value = Number(text);
      return withinBounds(value, bounds) ? value : undefined;
    },
  };
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

export function boolOpt(defaultValue: boolean, help: string): Opt<boolean> {
  return {
    default: defaultValue,
    help,
    expected: 'true or false',
    parse(text) {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return true;
      if (FALSE_WORDS.includes(word)) return false;
      return undefined;
    },
  };
}

export function strOpt<T extends string = string>(
  defaultValue: T,
  help: string,
  choices?: readonly T[],
): Opt<T> {
  return {
    default: defaultValue,
    help,
    expected: choices ? `one of ${choices.join(', ')}` : 'a string',
    parse(text) {
      const value = text.trim() as T;
      return !choices || choices.includes(value) ? value : undefined;
    },
  };
}

/** A comma-separated list; `itemPattern` constrains each entry. */
export function listOpt(
  defaultValue: string[],
  help: string,
  item?: { pattern: RegExp; expected: string },
): Opt<string[]> {
  return {
    default: defaultValue,
    help,
    expected: item ? `a comma-separated list of ${item.expected}` : 'a comma-separated list',
    parse(text) {
      const items = text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
      return !item || items.every((entry) => item.pattern.test(entry)) ? items : undefined;
    },
  };
}
