/**
 * The benches' one rule for a number read from the environment: a whole number at or above its
 * minimum, or the bench stops before it starts and says which variable is wrong. (`Number("")`
 * is 0 and `Number("3s")` NaN: read unchecked, a typo would run zero rounds or none at all.)
 */
export function envInt(name: string, fallback: number | undefined, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is not set: give it a whole number ≥ ${min}.`);
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a whole number ≥ ${min}: fix or unset it.`);
  }
  return value;
}
