/**
 * Seed 003's task router: a complexity score `d_var` in [0, 1] from three features of the task's
 * text, and the agent each score range goes to. Pure functions: no I/O, no clock.
 *
 * The formula (documented in README.md, "The scoring formula"):
 *
 *   length       = characters (Unicode code points) of the trimmed text
 *   punctuation  = punctuation characters (Unicode category P)
 *   uniqueTokens = distinct lower-cased words (runs of letters, digits, `_`)
 *
 *   d_var = 0.45 · min(length / 140, 1) + 0.10 · min(punctuation / 10, 1) + 0.45 · min(uniqueTokens / 18, 1)
 *
 * rounded to 3 decimals, then mapped to an agent by {@link AGENT_BANDS}.
 */

/** One agent the router can pick (the seed's `selectedAgent`). */
export interface Agent {
  id: AgentId;
  name: string;
  strengths: string[];
  /** Price per 1K tokens in US dollars (illustrative, as in the seed). */
  cost: number;
  /** Typical latency in seconds (illustrative, as in the seed). */
  latency: number;
}

/** The five agents of the seed's stats, in the seed's order. */
export const AGENT_IDS = ["claude", "gpt-4", "gemini", "llama", "mistral"] as const;
export type AgentId = (typeof AGENT_IDS)[number];

export const AGENTS: Readonly<Record<AgentId, Agent>> = {
  "gpt-4": { id: "gpt-4", name: "GPT-4", strengths: ["code", "reasoning"], cost: 0.03, latency: 2.5 },
  claude: {
    id: "claude",
    name: "Claude",
    strengths: ["analysis", "writing", "long-context"],
    cost: 0.015,
    latency: 1.8,
  },
  gemini: {
    id: "gemini",
    name: "Gemini",
    strengths: ["summarization", "multimodal"],
    cost: 0.0075,
    latency: 1.2,
  },
  mistral: { id: "mistral", name: "Mistral", strengths: ["speed", "translation"], cost: 0.002, latency: 0.6 },
  llama: { id: "llama", name: "Llama", strengths: ["chat", "simple-tasks"], cost: 0.001, latency: 0.4 },
};

/** Caps: a factor at or above its cap counts as 1. */
export const SCORE_CAPS = { length: 140, punctuation: 10, uniqueTokens: 18 } as const;
/** Weights of the normalised factors; they sum to 1, so `d_var` stays in [0, 1]. */
export const SCORE_WEIGHTS = { length: 0.45, punctuation: 0.1, uniqueTokens: 0.45 } as const;

/**
 * Score ranges, lowest first: a score goes to the first band whose `below` it is under.
 * low < 0.30 (llama under 0.15, else mistral), medium < 0.60 (gemini under 0.45, else claude),
 * high ≥ 0.60 (gpt-4).
 */
export const AGENT_BANDS: readonly {
  below: number;
  agent: AgentId;
  level: "Low" | "Medium" | "High";
  why: string;
}[] = [
  { below: 0.15, agent: "llama", level: "Low", why: "for a quick, cheap answer" },
  { below: 0.3, agent: "mistral", level: "Low", why: "for fast, low-cost completion" },
  { below: 0.45, agent: "gemini", level: "Medium", why: "for balanced summarisation and drafting" },
  { below: 0.6, agent: "claude", level: "Medium", why: "for careful analysis and writing" },
  { below: Infinity, agent: "gpt-4", level: "High", why: "for advanced reasoning" },
];

/** The seed's `complexityScore`: the score and the raw factors it came from. */
export interface ComplexityScore {
  d_var: number;
  factors: { length: number; punctuation: number; uniqueTokens: number };
}

const PUNCTUATION = /\p{P}/gu;
const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * Scores a task's text.
 *
 * @example
 * complexity("Implement a binary search algorithm in Python with type hints and comprehensive error handling")
 * // → { d_var: 0.652, factors: { length: 94, punctuation: 0, uniqueTokens: 14 } }: GPT-4
 */
export function complexity(text: string): ComplexityScore {
  const t = text.trim();
  let length = 0;
  for (const _ of t) length++;
  const punctuation = t.match(PUNCTUATION)?.length ?? 0;
  const uniqueTokens = new Set(t.toLowerCase().match(WORD) ?? []).size;
  const norm = (v: number, cap: number) => Math.min(v / cap, 1);
  const score =
    SCORE_WEIGHTS.length * norm(length, SCORE_CAPS.length) +
    SCORE_WEIGHTS.punctuation * norm(punctuation, SCORE_CAPS.punctuation) +
    SCORE_WEIGHTS.uniqueTokens * norm(uniqueTokens, SCORE_CAPS.uniqueTokens);
  return { d_var: Math.round(score * 1000) / 1000, factors: { length, punctuation, uniqueTokens } };
}

/** Picks the agent for a score, with the seed's style of reason. */
export function selectAgent(score: ComplexityScore): { agent: Agent; reason: string } {
  const band = AGENT_BANDS.find((b) => score.d_var < b.below)!;
  const agent = AGENTS[band.agent];
  return {
    agent,
    reason: `${band.level} complexity (D_var=${score.d_var.toFixed(3)}): Routed to ${agent.name} ${band.why}`,
  };
}
