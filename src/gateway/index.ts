export { createGateway, type Gateway } from "./gateway.js";
export {
  DEFAULT_GATEWAY_OPTIONS,
  type GatewayOptions,
  type GatewayChannels,
  type AuthorizeRequest,
} from "./options.js";
export {
  CLOSE_CODES as GATEWAY_CLOSE_CODES,
  ERROR_CODES as GATEWAY_ERROR_CODES,
  parseFrame as parseGatewayFrame,
  type ClientFrame as GatewayClientFrame,
  type ServerFrame as GatewayServerFrame,
  type ErrorCode as GatewayErrorCode,
  type RequestId as GatewayRequestId,
  type ParseResult as GatewayParseResult,
} from "./protocol.js";
