import { defineScript } from "../../store/script.js";
import { acquireTwin, refreshTwin, releaseTwin, holdersTwin, countTwin } from "./twins.js";

export const acquireScript = defineScript(new URL("./acquire-2.lua", import.meta.url), acquireTwin);

export const refreshScript = defineScript(new URL("./refresh-2.lua", import.meta.url), refreshTwin);

export const releaseScript = defineScript(new URL("./release-2.lua", import.meta.url), releaseTwin);

export const holdersScript = defineScript(new URL("./holders-2.lua", import.meta.url), holdersTwin);

export const countScript = defineScript(new URL("./count-2.lua", import.meta.url), countTwin);
