import { badRequest } from '../common/api-error';

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo's bool_from_string: the boolean a string means, or undefined when it means neither. */
export function boolFromString(subject: string): boolean | undefined {
  const lowered = subject.trim().toLowerCase();
  if (TRUE_STRINGS.includes(lowered)) return true;
  if (FALSE_STRINGS.includes(lowered)) return false;
  return undefined;
}

/**
 * oslo's bool_from_string(strict=True), as Nova reads a boolean query parameter such as
 * `locked`: anything else is Nova's 400 InvalidInput naming the values it accepts.
 */
export function strictBool(subject: string): boolean {
  const value = boolFromString(subject);
  if (value !== undefined) return value;
  const acceptable = [...TRUE_STRINGS, ...FALSE_STRINGS]
    .sort()
    .map((value) => `'${value}'`)
    .join(', ');
  throw badRequest(
    `Invalid input received: Unrecognized value '${subject}', acceptable values are: ${acceptable}`,
  );
}
