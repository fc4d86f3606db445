import { defineScript } from "../../store/script.js";
import {
  putTwin,
  recordTwin,
  revokeTwin,
  listTwin,
  revokeAllTwin,
  pointerSetTwin,
  pointerTwin,
} from "./twins.js";

export const putScript = defineScript(new URL("./put-2.lua", import.meta.url), putTwin);

export const recordScript = defineScript(new URL("./record-2.lua", import.meta.url), recordTwin);

export const revokeScript = defineScript(new URL("./revoke-2.lua", import.meta.url), revokeTwin);

export const listScript = defineScript(new URL("./list-1.lua", import.meta.url), listTwin);

export const revokeAllScript = defineScript(new URL("./revoke-all-1.lua", import.meta.url), revokeAllTwin);

export const pointerSetScript = defineScript(new URL("./pointer-set-1.lua", import.meta.url), pointerSetTwin);

export const pointerScript = defineScript(new URL("./pointer-1.lua", import.meta.url), pointerTwin);
