/**
 * The service's replies as the page reads them: one type per reply, derived from the zod reply
 * schemas of src/server/replies (the schemas the OpenAPI document is generated from and the HTTP
 * tests check every reply against). Imported as types only, so the bundle takes nothing of the
 * server (a lint rule refuses a value import). Views name what they read from here; none
 * redeclares a reply.
 */
import type { z } from "zod";
import type * as dashboard from "../../src/server/replies/dashboard";
import type * as events from "../../src/server/replies/events";
import type * as limits from "../../src/server/replies/limits";
import type * as locks from "../../src/server/replies/locks";
import type * as machines from "../../src/server/replies/machines";
import type * as rooms from "../../src/server/replies/rooms";
import type * as stock from "../../src/server/replies/stock";

export type Overview = z.infer<typeof dashboard.overviewReply>;
export type BreakerList = z.infer<typeof dashboard.breakerListReply>;
export type Breaker = z.infer<typeof limits.breakerReply>;
export type LimiterList = z.infer<typeof dashboard.limiterListReply>;
export type RateLimitDecision = z.infer<typeof limits.rateLimitReply>;
export type ItemList = z.infer<typeof dashboard.itemListReply>;
export type Item = z.infer<typeof stock.itemReply>;
export type ItemHolds = z.infer<typeof dashboard.itemHoldsReply>;
export type SemaphoreList = z.infer<typeof dashboard.semaphoreListReply>;
export type SemaphoreHolders = z.infer<typeof stock.semaphoreHoldersReply>;
export type LockInfo = z.infer<typeof locks.lockInfoReply>;
export type KeyList = z.infer<typeof dashboard.keyListReply>;
export type KeyCreated = z.infer<typeof dashboard.keyCreatedReply>;
export type MachineList = z.infer<typeof dashboard.machineListReply>;
export type EntityList = z.infer<typeof dashboard.entityListReply>;
export type MachineHistory = z.infer<typeof machines.historyReply>;
export type RoomList = z.infer<typeof dashboard.roomListReply>;
export type RoomPosition = z.infer<typeof rooms.roomPositionReply>;
export type ChannelList = z.infer<typeof dashboard.channelListReply>;
export type ChannelRecent = z.infer<typeof dashboard.channelRecentReply>;
export type EventList = z.infer<typeof events.eventListReply>;
export type EventRecord = z.infer<typeof events.eventRecordReply>;
export type EventSources = z.infer<typeof events.eventSourcesReply>;
export type WsToken = z.infer<typeof events.wsTokenReply>;
