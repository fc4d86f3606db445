import { defineScript } from "../../store/script.js";
import { appendTwin, registerTwin, sourcesTwin, nowTwin, rangeTwin } from "./twins.js";

export const appendScript = defineScript(new URL("./append-1.lua", import.meta.url), appendTwin);

export const registerScript = defineScript(new URL("./register-1.lua", import.meta.url), registerTwin);

export const sourcesScript = defineScript(new URL("./sources-1.lua", import.meta.url), sourcesTwin);

export const nowScript = defineScript(new URL("./now-0.lua", import.meta.url), nowTwin);

export const rangeScript = defineScript(new URL("./range-1.lua", import.meta.url), rangeTwin);
