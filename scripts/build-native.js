// Placeholder until the native backend lands: the install step must never fail.
process.exit(0);
