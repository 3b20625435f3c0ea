// Bad input, named: every InputError says which input and what it accepts; raised before anything
// in Azure changes.

/** Bad input: names the input and what it accepts, and is raised before anything in Azure changes. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
    this.name = 'InputError'
  }
}

/** Every bad input of a run at once, so that one fix-and-retry cycle fixes them all. */
export class InputErrors extends InputError {
  constructor(readonly errors: InputError[]) {
    super(errors.map(e => e.input).join(', '), '')
    this.message = `${errors.length} inputs are invalid:\n${errors.map(e => `- ${e.message}`).join('\n')}`
    this.name = 'InputErrors'
  }
}
