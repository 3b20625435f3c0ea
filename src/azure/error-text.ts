// One line of text for an error, without loading the Azure SDK: the report (and the input-error
// path at start-up) need it before the SDKs are loaded. An SDK RestError is told by its name,
// as @azure/core-rest-pipeline's isRestError does for errors from another copy of the SDK.

interface RestErrorLike extends Error {
  statusCode?: number
  code?: string
}

const isRestErrorLike = (error: unknown): error is RestErrorLike =>
  error instanceof Error && error.name === 'RestError'

/** One line naming what failed, with the service's own reason when it gave one. */
export function describeError(error: unknown): string {
  if (isRestErrorLike(error)) {
    const status = error.statusCode ? `HTTP ${error.statusCode}` : (error.code ?? 'network error')
    return `${status}: ${firstLine(error.message)}`
  }
  if (error instanceof Error) return firstLine(error.message)
  return String(error)
}

/** The first line of a message, at most 500 characters. */
export function firstLine(text: string): string {
  const line = text.split('\n')[0].trim()
  return line.length > 500 ? `${line.slice(0, 500)}…` : line
}
