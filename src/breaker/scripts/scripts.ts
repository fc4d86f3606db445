import { defineScript } from "../../store/script.js";
import { reportTwin, admitTwin, settleTwin, forceTwin, peekTwin } from "./twins.js";

export const reportScript = defineScript(new URL("./report-3.lua", import.meta.url), reportTwin);

export const admitScript = defineScript(new URL("./admit-3.lua", import.meta.url), admitTwin);

export const settleScript = defineScript(new URL("./settle-3.lua", import.meta.url), settleTwin);

export const forceScript = defineScript(new URL("./force-3.lua", import.meta.url), forceTwin);

export const peekScript = defineScript(new URL("./peek-1.lua", import.meta.url), peekTwin);

export type { AdmitArgs, ForceArgs, ReportArgs, SettleArgs } from "./twins.js";
