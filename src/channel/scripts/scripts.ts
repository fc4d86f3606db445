import { defineScript } from "../../store/script.js";
import { publishTwin, readTwin } from "./twins.js";

export const publishScript = defineScript(new URL("./publish-2.lua", import.meta.url), publishTwin);

export const readScript = defineScript(new URL("./read-2.lua", import.meta.url), readTwin);
