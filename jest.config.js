// ESM jest via ts-jest: run with `node --experimental-vm-modules` (see package.json "test").
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.dev.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 120000,
  // The e2e tests mostly wait on the emulator's scripted Azure delays, so two workers fit even on
  // CI's 2 cores: the suite takes ~8 min instead of ~16.
  maxWorkers: 2,
  verbose: true
}
