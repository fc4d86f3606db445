import { defineScript } from "../../store/script.js";
import { createTwin, sendTwin, getTwin, deleteTwin } from "./twins.js";

export const createScript = defineScript(new URL("./create-2.lua", import.meta.url), createTwin);

export const sendScript = defineScript(new URL("./send-3.lua", import.meta.url), sendTwin);

export const getScript = defineScript(new URL("./get-2.lua", import.meta.url), getTwin);

export const deleteScript = defineScript(new URL("./delete-2.lua", import.meta.url), deleteTwin);

export type { SendArgs } from "./twins.js";
