import { run } from './run/main.js'

// The runner's entry point: nothing else happens on import.
void run()
