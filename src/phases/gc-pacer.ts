import vm from 'node:vm'

/**
 * Zip output between two requests for a garbage collection. Every chunk the upload has sent is
 * garbage, but V8 frees those buffers only when its young generation fills with JS objects, and
 * the zip writer makes few: on a 10 MB/s link ~35 MB of sent chunks waited for a GC, so peak
 * memory grew with the package up to that pile (issue 14; bench: link section).
 */
export const GC_EVERY_BYTES = 16 * 1024 * 1024

/**
 * Asks V8 for a collection once per GC_EVERY_BYTES produced, through vm.measureMemory's eager
 * mode: the documented way to start one without --expose-gc (an action cannot pass Node flags).
 * One at a time; it runs as a V8 task, so the caller does not wait. Where the API is missing or
 * fails, nothing happens but the pile it would have freed.
 */
export class GcPacer {
  private since = 0
  private pending = false

  produced(bytes: number): void {
    this.since += bytes
    if (this.since < GC_EVERY_BYTES || this.pending) return
    this.since = 0
    this.pending = true
    const done = (): void => {
      this.pending = false
    }
    // The API is marked experimental: its one-time ExperimentalWarning would read as a problem in
    // the user's log, and this use does not depend on what the measurement returns.
    const emitWarning = process.emitWarning
    process.emitWarning = () => undefined
    try {
      vm.measureMemory({ mode: 'summary', execution: 'eager' }).then(done, done)
    } catch {
      // No such API here: `pending` stays set, so it is not tried again.
    } finally {
      process.emitWarning = emitWarning
    }
  }
}
