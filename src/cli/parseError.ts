/** One line for node:util parseArgs errors (some span several lines), with a hint for negative numbers. */
export function parseErrorMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const message = String(err?.message ?? e);
  if (err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--[\w-]+)/.exec(message)?.[1] ?? 'an option';
    return `${option} needs a value (write a negative number as ${option}=-1)`;
  }
  return message.replace(/\s*\n\s*/g, ' ');
}

/** parseArgs options that each take a string value, from their names: one list rather than a line per option. */
export function stringOptions<N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}
