// `node --import ./bench/tracing-off/register.mjs …`: starts the API or a
// worker as a build without tracing would run (the tracing phase's "off"
// variant). See hooks.mjs for what is replaced and why.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
