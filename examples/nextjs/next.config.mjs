// The defaults, plus: no telemetry call home and no "powered by" header.
/** @type {import('next').NextConfig} */
const config = {
  poweredByHeader: false,
};
export default config;
