/** The library's version, kept equal to package.json's by a test. */
export const HOLDFAST_VERSION = "0.1.0";
