/**
 * Fraud rules for load generators: benchmarks and reliability runs send thousands of messages per second
 * to one number and create OTPs nobody verifies, which is exactly what the velocity limits and the OTP
 * conversion guard exist to stop. The rules still run (their cost is part of what a benchmark measures);
 * only their thresholds are out of reach. Suites that test the rules set their own.
 */
export const LOAD_TEST_FRAUD = {
  geo: { defaultCountries: ["*"] },
  velocity: {
    account: { limit: 1_000_000_000, windowSeconds: 60 },
    prefix: { limit: 1_000_000_000, windowSeconds: 60 },
  },
  otpGuard: { minVolume: 1_000_000_000 },
};

/** The same as config overrides (dotted keys), for in-process test gateways. */
export const LOAD_TEST_FRAUD_OVERRIDES: Record<string, unknown> = {
  "fraud.geo.defaultCountries": LOAD_TEST_FRAUD.geo.defaultCountries,
  "fraud.velocity.account": LOAD_TEST_FRAUD.velocity.account,
  "fraud.velocity.prefix": LOAD_TEST_FRAUD.velocity.prefix,
  "fraud.otpGuard.minVolume": LOAD_TEST_FRAUD.otpGuard.minVolume,
};
