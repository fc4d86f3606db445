// Express 4 is installed under the alias `express4` (npm:express@4) to test the adapter on both
// majors; its API is typed as Express 5's, which is all the tests use of it.
declare module "express4" {
  import express from "express";
  export default express;
}
