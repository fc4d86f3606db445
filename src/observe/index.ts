export { holdfastRegistry } from "./metrics.js";
export { EventSource, type Disposable } from "./disposable.js";
export {
  reportDegraded,
  onDegradedDecision,
  setDegradationLogger,
  type DegradedDecision,
  type DegradedPolicy,
} from "./degradation.js";
