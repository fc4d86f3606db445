/**
 * The status codes the machine scripts return as the first element of their reply; the same in
 * Lua and in the memory twins, mapped to typed errors by `decode.ts` alone.
 */
export const MachineStatus = Object.freeze({
  Applied: 1,
  Replayed: 2,
  NotFound: -1,
  VersionConflict: -2,
  InvalidTransition: -3,
  Exists: -5,
  WrongType: -6,
} as const);
export type MachineStatus = (typeof MachineStatus)[keyof typeof MachineStatus];
