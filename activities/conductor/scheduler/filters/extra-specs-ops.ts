/** Nova's extra_specs_ops: the operators a flavor's extra spec may compare a host value with. */
const OPERATORS: Record<string, (value: string, operand: string[]) => boolean> = {
  '=': (value, [operand]) => Number(value) >= Number(operand),
  '<in>': (value, [operand]) => value.includes(operand),
  '<all-in>': (value, operands) => operands.every((operand) => value.includes(operand)),
  '==': (value, [operand]) => Number(value) === Number(operand),
  '!=': (value, [operand]) => Number(value) !== Number(operand),
  '>=': (value, [operand]) => Number(value) >= Number(operand),
  '<=': (value, [operand]) => Number(value) <= Number(operand),
  's==': (value, [operand]) => value === operand,
  's!=': (value, [operand]) => value !== operand,
  's<': (value, [operand]) => value < operand,
  's<=': (value, [operand]) => value <= operand,
  's>': (value, [operand]) => value > operand,
  's>=': (value, [operand]) => value >= operand,
};

/**
 * Whether a host's `value` satisfies the requirement `req`: "<op> operand", "<or> a <or> b", or a
 * plain string that must equal the value.
 */
export function matchesExtraSpec(value: string, req: string): boolean {
  const words = req.split(/\s+/).filter(Boolean);
  const op = words.shift();
  if (op === '<or>') {
    // Every other word is an alternative: "<or> a <or> b" accepts a or b.
    return words.filter((_, i) => i % 2 === 0).includes(value);
  }
  const method = op === undefined ? undefined : OPERATORS[op];
  if (!method) return value === req;
  return words.length > 0 && method(value, words);
}
